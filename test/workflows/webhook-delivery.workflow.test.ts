// The endpoint workflow's retry schedule and disabling, on Temporal's time-skipping test server
// with the real webhook activities against the test PostgreSQL and a receiver that always fails:
// hours of backoff pass in seconds.
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { newWebhookSecret } from '../../api/routes/webhook-endpoints.routes';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { WebhookEndpointsRepository } from '../../db/repositories/webhook-endpoints.repository';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import { workflowIds } from '../../workflows/definitions';
import { MAX_ATTEMPTS, retryDelayMs } from '../../workflows/webhook-endpoint.workflow';
import { realActivitiesWorker, startRealEngineEnv, type RealEngineEnv } from '../fakes/real-activities-env';
import { envelope, WebhookReceiver } from '../fakes/webhook-receiver';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhooks } = require('@polar-sh/sdk/2026-10');

const EVENTS = 12;
const DISABLE_AFTER = 10;
/** The skipped clock also runs in real time while activities work: an attempt lands in [due, due + this). */
const SLACK_MS = 3_000;

let t: RealEngineEnv;
let env: TestWorkflowEnvironment;
let ds: DataSource;
let receiver: WebhookReceiver;

beforeAll(async () => {
  t = await startRealEngineEnv();
  ({ env, ds } = t);
  receiver = await WebhookReceiver.start({ clock: () => env.currentTimeMs(), defaultAnswer: 500 });
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

test('the backoff doubles from 2 s and is capped at 20 min', () => {
  expect([1, 2, 3, 9].map(retryDelayMs)).toEqual([2_000, 4_000, 8_000, 512_000]);
  expect([11, 12, 30].map(retryDelayMs)).toEqual([1_200_000, 1_200_000, 1_200_000]);
});

/** An organization with an endpoint on the receiver at `path`, and `events` queued for it. */
async function endpointWithEvents(path: string, events: number) {
  const { organization } = await new OrganizationsRepository(ds).createWithToken(`Receiver ${path}`);
  const secret = newWebhookSecret();
  const endpoint = (await new WebhookEndpointsRepository(ds).create(
    organization.id,
    {
      url: receiver.url(path),
      name: null,
      format: 'raw',
      events: ['benefit.created'],
      secret,
    },
    50,
  ))!;
  for (let n = 1; n <= events; n++) await outbox().enqueue(ds, organization.id, 'benefit.created', { n });
  return { organizationId: organization.id, endpoint, secret };
}

const outbox = () => new WebhookEventsRepository(ds);

/** Kicks the endpoint's workflow on a worker with the real activities and runs `body` meanwhile. */
async function withDelivery(endpointId: string, body: (handle: WorkflowHandle) => Promise<void>): Promise<void> {
  // The env's client: awaiting the workflow's result lets time skip.
  const { engine, client, runUntil } = await realActivitiesWorker(t, {
    client: env.client,
    webhookAllowPrivateNetworks: true,
    webhookTimeoutMs: 2_000,
  });
  await runUntil([], async () => {
    await engine.kickWebhookEndpoint(endpointId);
    await body(client.workflow.getHandle(workflowIds.webhookEndpoint(endpointId)));
  });
}

test('each event gets 10 recorded attempts on the backoff schedule; 10 failed events disable the endpoint', async () => {
  const { organizationId, endpoint, secret } = await endpointWithEvents('/down', EVENTS);
  let handle: WorkflowHandle | undefined;
  const realStart = Date.now();
  // The workflow ends once the endpoint is disabled; awaiting its result lets time skip.
  await withDelivery(endpoint.id, async (h) => void (await (handle = h).result()));
  const realMs = Date.now() - realStart;

  // Every attempt of the first ten events is a delivery row; the last two were never sent.
  const rows: { n: number; succeeded: boolean | null; skipped: boolean; attempts: number[]; codes: number[] }[] = await ds.query(
    `SELECT (ev.payload::jsonb -> 'data' ->> 'n')::int AS n, ev.succeeded, ev.skipped,
            coalesce(array_agg(d.attempt ORDER BY d.created_at) FILTER (WHERE d.id IS NOT NULL), '{}') AS attempts,
            coalesce(array_agg(d.http_code ORDER BY d.created_at) FILTER (WHERE d.id IS NOT NULL), '{}') AS codes
       FROM webhook_events ev LEFT JOIN webhook_deliveries d ON d.webhook_event_id = ev.id
      WHERE ev.endpoint_id = $1 GROUP BY ev.id ORDER BY n`,
    [endpoint.id],
  );
  const all = Array.from({ length: MAX_ATTEMPTS }, (_, i) => i + 1);
  for (const row of rows.slice(0, DISABLE_AFTER)) {
    expect(row).toEqual({ n: row.n, succeeded: false, skipped: false, attempts: all, codes: all.map(() => 500) });
  }
  expect(rows.slice(DISABLE_AFTER).map((r) => [r.n, r.succeeded, r.skipped, r.attempts])).toEqual([
    [11, null, true, []],
    [12, null, true, []],
  ]);
  const [state] = await ds.query(`SELECT enabled, consecutive_failures FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
  expect(state).toEqual({ enabled: false, consecutive_failures: DISABLE_AFTER });
  expect(await outbox().enqueue(ds, organizationId, 'benefit.created', { n: 13 })).toEqual([]);

  // The receiver saw the same: 100 requests, event after event, spaced by the schedule on the
  // skipped clock, each one signed so the SDK accepts it.
  const requests = receiver.received('/down');
  expect(requests).toHaveLength(DISABLE_AFTER * MAX_ATTEMPTS);
  const expectedGaps = all.slice(0, -1).map(retryDelayMs);
  for (let event = 0; event < DISABLE_AFTER; event++) {
    const attempts = requests.slice(event * MAX_ATTEMPTS, (event + 1) * MAX_ATTEMPTS);
    expect(attempts.map((r) => envelope(r).data.n)).toEqual(all.map(() => event + 1));
    const gaps = attempts.slice(1).map((r, i) => r.at - attempts[i].at);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expectedGaps[i]);
      expect(gap).toBeLessThan(expectedGaps[i] + SLACK_MS);
    });
  }
  await expect(webhooks.validateEvent(requests[99].body, requests[99].headers, secret)).resolves.toMatchObject({ type: 'benefit.created' });

  // The workflow's own timers: exactly the schedule, for each of the ten events.
  const history = await handle!.fetchHistory();
  const timers = (history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000);
  expect(timers).toEqual(Array.from({ length: DISABLE_AFTER }, () => expectedGaps).flat());
  expect(realMs).toBeLessThan(60_000);
});

test('an endpoint disabled while an event waits for its retry stops, and the event is skipped', async () => {
  const { organizationId, endpoint } = await endpointWithEvents('/paused', 2);
  await withDelivery(endpoint.id, async (handle) => {
    await receiver.waitFor('/paused', 1);
    // What PATCH /v1/webhooks/endpoints/{id} {enabled: false} does.
    await new WebhookEndpointsRepository(ds).update(organizationId, endpoint.id, { enabled: false });
    await outbox().skipPending(endpoint.id);
    await handle.result(); // the retry finds the event skipped; an idle hour later the workflow ends
  });
  expect(receiver.received('/paused')).toHaveLength(1);
  const events = await ds.query(
    `SELECT ev.succeeded, ev.skipped, (SELECT count(*)::int FROM webhook_deliveries d WHERE d.webhook_event_id = ev.id) AS deliveries
       FROM webhook_events ev WHERE ev.endpoint_id = $1 ORDER BY ev.created_at`,
    [endpoint.id],
  );
  expect(events).toEqual([
    { succeeded: null, skipped: true, deliveries: 1 },
    { succeeded: null, skipped: true, deliveries: 0 },
  ]);
  const [state] = await ds.query(`SELECT consecutive_failures FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
  expect(state.consecutive_failures).toBe(0);
});
