// Optional (--webhook): a webhook endpoint subscribed to the events a purchase and a revoke emit,
// delivering to a receiver in this process, so the outbox writes, the per-activity kick query and
// the delivery workflow are part of what is measured.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import type { ApiClient } from './load';

export const WEBHOOK_EVENTS = ['order.paid', 'benefit_grant.created', 'benefit_grant.revoked', 'customer.state_changed'];

export interface WebhookReceiver {
  received(): number;
  close(): Promise<void>;
}

/** Subscribes an endpoint for the organization and answers every delivery with 204. */
export async function startWebhookReceiver(api: ApiClient): Promise<WebhookReceiver> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await api.expect(201, 'POST', '/v1/webhooks/endpoints', { url: `http://127.0.0.1:${port}/hooks`, format: 'raw', events: WEBHOOK_EVENTS });
  return {
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface OutboxFigures {
  events: number;
  pending: number;
  /** EXPLAIN ANALYZE of the query every grant activity runs to find endpoints to kick. */
  kickQueryMs: number;
  kickQueryPlan: string;
}

export async function outboxFigures(db: DataSource, organizationId: string): Promise<OutboxFigures> {
  const [counts] = await db.query(
    `SELECT count(*)::int AS events, count(*) FILTER (WHERE succeeded IS NULL)::int AS pending FROM webhook_events WHERE organization_id = $1`,
    [organizationId],
  );
  // Same text as WebhookEventsRepository.endpointsWithPending.
  const [
    {
      'QUERY PLAN': [plan],
    },
  ] = await db.query(
    `EXPLAIN (ANALYZE, FORMAT JSON) SELECT DISTINCT endpoint_id FROM webhook_events WHERE organization_id = $1 AND succeeded IS NULL`,
    [organizationId],
  );
  return { ...counts, kickQueryMs: plan['Execution Time'], kickQueryPlan: nodeTypes(plan.Plan).join(' > ') };
}

function nodeTypes(node: { 'Node Type': string; 'Index Name'?: string; Plans?: unknown[] }): string[] {
  const here = node['Index Name'] ? `${node['Node Type']} on ${node['Index Name']}` : node['Node Type'];
  return [here, ...((node.Plans ?? []) as (typeof node)[]).flatMap(nodeTypes)];
}
