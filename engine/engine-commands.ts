// What each kind of engine command (db/repositories/engine-commands.repository.ts) does in the
// engine, for the API right after its commit and for the outbox relay after that. Every dispatch
// is safe to repeat: workflow ids are deterministic (a fan-out's carries its command's id), a
// renewal signal carries an id the subscription workflow applies once, and a grant command on a
// grant already in that state changes nothing.
import { EngineCommandRow, EngineCommandsRepository } from '../db/repositories/engine-commands.repository';
import { GrantsRepository } from '../db/repositories/grants.repository';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import type { Logger } from '../lib/logger';
import type { GrantCommand, GrantWorkflowInput, SubscriptionEvent } from '../workflows/definitions';
import type { GrantScope } from '../activities/activity-types';
import type { FanOutStart } from './engine-client';
import type { ScopeDeps } from './grant-scope';

export type EngineCommand =
  | { kind: 'fanOut'; payload: FanOutStart }
  | { kind: 'signalSubscription'; payload: { subscriptionId: string; event: SubscriptionEvent } }
  | { kind: 'revokeScope'; payload: { scope: GrantScope } }
  | { kind: 'commandGrant'; payload: { grant: GrantWorkflowInput; command: GrantCommand } };

export interface DispatchOptions {
  /** Wait until a grant command is applied (the API, to answer with the new state). */
  wait?: boolean;
  /** A failure delays the next attempt (the relay's retries). */
  backoff?: boolean;
}

export async function dispatchEngineCommand(deps: ScopeDeps, c: EngineCommand, opts: DispatchOptions = {}): Promise<void> {
  switch (c.kind) {
    case 'fanOut':
      return deps.engine.startFanOut(c.payload);
    case 'signalSubscription':
      return deps.engine.signalSubscription(c.payload.subscriptionId, c.payload.event);
    case 'revokeScope': {
      const grants = new GrantsRepository(deps.dataSource);
      const live = (await grants.forScope(c.payload.scope)).filter((g) => g.revoked_at === null);
      for (const grant of await grants.workflowInputs(live.map((g) => g.id))) {
        await deps.engine.commandGrant(grant, { action: 'revoke' });
      }
      return;
    }
    case 'commandGrant': {
      const { grant, command } = c.payload;
      if (!opts.wait) return deps.engine.commandGrant(grant, command);
      // A revoked grant's workflow has ended: the grant command starts a new run to wait on.
      if (command.action === 'grant') await deps.engine.commandGrant(grant, command);
      return deps.engine.commandGrantAndWait(grant, command);
    }
    default:
      throw new Error(`unknown engine command kind '${(c as { kind: string }).kind}'`);
  }
}

/**
 * What a command acts on: commands on one target are dispatched in the order they were recorded
 * (an account unlinked, then linked again, must reach the grant in that order).
 */
export function commandTarget(row: Pick<EngineCommandRow, 'id' | 'kind' | 'payload'>): string {
  const c = { kind: row.kind, payload: row.payload } as EngineCommand;
  switch (c.kind) {
    case 'commandGrant':
      return `grant:${c.payload.grant.grantId}`;
    case 'signalSubscription':
      return `subscription:${c.payload.subscriptionId}`;
    case 'revokeScope':
      return `scope:${c.payload.scope.orderId ?? c.payload.scope.subscriptionId ?? c.payload.scope.customerId}`;
    case 'fanOut':
      return c.payload.workflowId;
    default:
      return row.id;
  }
}

/**
 * Dispatches a recorded command and records the outcome on its row: dispatched, or one more failed
 * attempt with its error and the time of the next. Returns whether it was dispatched; never throws.
 */
export async function dispatchRecorded(
  deps: ScopeDeps & { logger: Logger },
  row: Pick<EngineCommandRow, 'id' | 'kind' | 'payload'>,
  opts: DispatchOptions = {},
): Promise<boolean> {
  const repo = new EngineCommandsRepository(deps.dataSource);
  try {
    await dispatchEngineCommand(deps, { kind: row.kind, payload: row.payload } as EngineCommand, opts);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const failed = await repo.markFailed(row.id, message, opts.backoff === true).catch(() => null);
    deps.logger.warn(
      { commandId: row.id, kind: row.kind, attempts: failed?.attempts, err: message },
      'engine command not dispatched; the outbox relay retries it',
    );
    return false;
  }
  await repo.markDispatched(row.id).catch((err) => {
    // Dispatched but not marked: the relay dispatches it again, which is harmless.
    deps.logger.warn(
      { commandId: row.id, err: err instanceof Error ? err.message : String(err) },
      'engine command dispatched but not marked',
    );
  });
  return true;
}

/** Signals each endpoint of the organization that has undelivered events (cheap when none). */
export async function kickOrganizationWebhooks(deps: ScopeDeps, organizationId: string): Promise<void> {
  const endpoints = await new WebhookEventsRepository(deps.dataSource).endpointsWithPending(organizationId);
  await Promise.all(endpoints.map((id) => deps.engine.kickWebhookEndpoint(id)));
}
