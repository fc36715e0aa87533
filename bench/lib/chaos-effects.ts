// The external effect a chaos run counts: the merchant's webhook endpoint, told once per grant
// (`benefit_grant.created`). Deliveries are at least once, so a repeat of the same event (same
// `webhook-id`, which receivers deduplicate on) is a redelivery; a second event for a grant, or a
// second granted row for one order's benefit, is a duplicate grant.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from './load';

export interface GrantEffects {
  /** Order x benefit pairs that should each be granted once. */
  expected: number;
  /** Pairs granted exactly once: one granted row and one creation event. */
  once: number;
  /** Pairs with more than one granted row or more than one distinct creation event. */
  duplicates: number;
  /** Pairs without a granted row or without a creation event. */
  missing: number;
  grantedRows: number;
  /** Distinct creation events received per pair: { "0": n, "1": n, "2": n, ... }. */
  eventsPerGrant: Record<string, number>;
  deliveries: number;
  distinctEvents: number;
  /** Creation events for grants of other orders (none expected). */
  strayEvents: number;
}

export interface EffectCounter {
  /** Grants with at least one delivered creation event. */
  createdGrants(): number;
  effects(
    grants: { id: string; order_id: string | null; benefit_id: string; granted: boolean }[],
    orderIds: string[],
    benefitIds: string[],
  ): GrantEffects;
  close(): Promise<void>;
}

/** A receiver in this process, subscribed to `benefit_grant.created` for the organization. */
export async function startEffectCounter(api: ApiClient): Promise<EffectCounter> {
  const eventsByGrant = new Map<string, Set<string>>();
  let deliveries = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (body?.type === 'benefit_grant.created' && typeof body.data?.id === 'string') {
          deliveries += 1;
          const id = String(req.headers['webhook-id'] ?? `no-id-${deliveries}`);
          const seen = eventsByGrant.get(body.data.id) ?? new Set<string>();
          seen.add(id);
          eventsByGrant.set(body.data.id, seen);
        }
      } catch {
        // not JSON: not ours to count
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await api.expect(201, 'POST', '/v1/webhooks/endpoints', {
    url: `http://127.0.0.1:${port}/hooks`,
    format: 'raw',
    events: ['benefit_grant.created'],
  });

  return {
    createdGrants: () => eventsByGrant.size,
    effects: (grants, orderIds, benefitIds) => {
      const pairs = new Map<string, { granted: number; events: number }>();
      for (const o of orderIds) for (const b of benefitIds) pairs.set(`${o}:${b}`, { granted: 0, events: 0 });
      let strayEvents = 0;
      const known = new Set<string>();
      for (const g of grants) {
        const pair = g.order_id ? pairs.get(`${g.order_id}:${g.benefit_id}`) : undefined;
        const events = eventsByGrant.get(g.id)?.size ?? 0;
        known.add(g.id);
        if (!pair) {
          strayEvents += events;
          continue;
        }
        if (g.granted) pair.granted += 1;
        pair.events += events;
      }
      for (const [grantId, events] of eventsByGrant) if (!known.has(grantId)) strayEvents += events.size;
      const all = [...pairs.values()];
      const eventsPerGrant: Record<string, number> = {};
      for (const p of all) eventsPerGrant[String(p.events)] = (eventsPerGrant[String(p.events)] ?? 0) + 1;
      return {
        expected: all.length,
        once: all.filter((p) => p.granted === 1 && p.events === 1).length,
        duplicates: all.filter((p) => p.granted > 1 || p.events > 1).length,
        missing: all.filter((p) => p.granted === 0 || p.events === 0).length,
        grantedRows: all.reduce((n, p) => n + p.granted, 0),
        eventsPerGrant,
        deliveries,
        distinctEvents: [...eventsByGrant.values()].reduce((n, s) => n + s.size, 0),
        strayEvents,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
