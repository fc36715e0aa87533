// Wake-ups for the worker's dispatcher (engine/pending-work-dispatcher.ts), by PostgreSQL
// LISTEN/NOTIFY. A notification sent inside a transaction is delivered only when it commits, so
// the dispatcher never hears of work that was rolled back; one lost (no worker listening) costs
// nothing, as a dispatcher claims everything due when it starts and polls besides.
import type { Queryable } from '../sql';

export const ENGINE_WORK_CHANNEL = 'engine_work';

/** What was committed: an order, a subscription, an engine command, or webhook events only. */
export type EngineWorkKind = 'order' | 'subscription' | 'command' | 'webhooks';

const codes: Record<EngineWorkKind, string> = { order: 'o', subscription: 's', command: 'c', webhooks: 'w' };
const kinds = Object.fromEntries(Object.entries(codes).map(([k, c]) => [c, k])) as Record<string, EngineWorkKind>;

export async function notifyEngineWork(q: Queryable, kind: EngineWorkKind, organizationId: string): Promise<void> {
  await q.query(`SELECT pg_notify($1, $2)`, [ENGINE_WORK_CHANNEL, `${codes[kind]}:${organizationId}`]);
}

/** The SQL expression that notifies from within another statement (saves a round trip). */
export function notifyEngineWorkSql(kind: EngineWorkKind, organizationIdSql: string): string {
  return `pg_notify('${ENGINE_WORK_CHANNEL}', '${codes[kind]}:' || ${organizationIdSql}::text)`;
}

/** A notification's payload; null for one this version does not know (sent by a newer API). */
export function parseEngineWork(payload: string | undefined): { kind: EngineWorkKind; organizationId: string } | null {
  const [code, organizationId] = (payload ?? '').split(':');
  const kind = kinds[code];
  return kind && organizationId ? { kind, organizationId } : null;
}
