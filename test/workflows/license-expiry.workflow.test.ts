// A license key from a one-time order expires at grant time + ttl: the real grant workflow and
// activities (PostgreSQL) on the time-skipping server; a month passes in a jump, the timer marks
// the grant at that moment (audit event + benefit_grant.updated webhook), never before.
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { strategies } from '../../benefits/registry';
import { createDataSource } from '../../db/data-source';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { EngineClient } from '../../engine/engine-client';
import { startTimeSkippingEnv } from '../fakes/time-skipping-env';
import { createLogger } from '../../lib/logger';
import { grantStateQuery, workflowIds } from '../../workflows/definitions';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let ds: DataSource;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  ds = createDataSource({ url: process.env.TEST_DATABASE_URL! });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await env?.teardown();
});

/** An organization, a customer, a 30-day license benefit, a paid order and its pending grant. */
async function seed() {
  const { organization } = await new OrganizationsRepository(ds).createWithToken(`Expiry ${randomUUID()}`);
  const org = organization.id;
  const [customer] = await ds.query(`INSERT INTO customers (organization_id, email) VALUES ($1, $2) RETURNING id`, [
    org,
    `${randomUUID()}@example.com`,
  ]);
  const properties = { prefix: 'EXP', expires: { ttl: 30, timeframe: 'day' }, activations: null, limit_usage: null };
  const [benefit] = await ds.query(
    `INSERT INTO benefits (organization_id, type, description, properties) VALUES ($1, 'license_keys', 'License', $2) RETURNING id`,
    [org, JSON.stringify(properties)],
  );
  const [order] = await ds.query(
    `INSERT INTO orders (organization_id, customer_id, billing_reason) VALUES ($1, $2, 'purchase') RETURNING id`,
    [org, customer.id],
  );
  const [grant] = await ds.query(
    `INSERT INTO benefit_grants (organization_id, customer_id, benefit_id, order_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [org, customer.id, benefit.id, order.id],
  );
  await ds.query(
    `INSERT INTO webhook_endpoints (organization_id, url, secret, events) VALUES ($1, 'https://merchant.example/hook', 'whsec_dGVzdA==', $2)`,
    [org, ['benefit_grant.updated']],
  );
  return { input: { grantId: grant.id, organizationId: org, customerId: customer.id, benefitId: benefit.id, benefitType: 'license_keys' } };
}

async function poll<T>(check: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const expiredEvents = async (grantId: string): Promise<number> =>
  (await ds.query(`SELECT count(*)::int AS n FROM benefit_grant_events WHERE grant_id = $1 AND kind = 'expired'`, [grantId]))[0].n;

async function advanceTo(targetMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (targetMs > now) await env.sleep(targetMs - now);
}

test('the key expires at grant time + ttl and the grant is marked expired exactly then', async () => {
  const taskQueue = `lk-${randomUUID()}`;
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const engine = new EngineClient(client, taskQueue);
  const delivered: string[] = [];
  const webhookTransport = async (_url: string, init: { body: string }) => {
    delivered.push(JSON.parse(init.body).type);
    return { status: 200, body: 'ok' };
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: createActivities({
      dataSource: ds,
      engine,
      registry: strategies,
      logger: createLogger('silent', 'test'),
      webhookTransport,
      webhookAllowPrivateNetworks: false,
      webhookTimeoutMs: 1000,
    }),
  });
  const { input } = await seed();
  const handle = client.workflow.getHandle(workflowIds.grant(input.grantId));

  await worker.runUntil(async () => {
    await engine.commandGrant(input, { action: 'grant' });
    const state = await poll(async () => {
      const s = await handle.query(grantStateQuery);
      return s.status === 'granted' ? s : null;
    }, 'grant');
    const [key] = await ds.query(`SELECT * FROM license_keys WHERE grant_id = $1`, [input.grantId]);
    const [grant] = await ds.query(`SELECT * FROM benefit_grants WHERE id = $1`, [input.grantId]);
    expect(key.key).toMatch(/^EXP-[0-9A-F-]{36}$/);
    const expiresAt = new Date(key.expires_at).getTime();
    expect(Math.abs(expiresAt - (new Date(grant.granted_at).getTime() + 30 * DAY))).toBeLessThan(5_000);
    expect(state.expiresAt).toBe(new Date(key.expires_at).toISOString());
    expect(grant.properties).toMatchObject({ license_key_id: key.id, expires_at: state.expiresAt });

    await advanceTo(expiresAt - 60_000);
    expect(await expiredEvents(input.grantId)).toBe(0);

    await advanceTo(expiresAt + 1_000);
    await poll(async () => (await expiredEvents(input.grantId)) === 1, 'expired event');
    const [event] = await ds.query(`SELECT payload FROM webhook_events WHERE organization_id = $1 AND type = 'benefit_grant.updated'`, [
      input.organizationId,
    ]);
    expect(JSON.parse(event.payload).data).toMatchObject({ id: input.grantId, is_granted: true, properties: { license_key_id: key.id } });
    await poll(async () => delivered.includes('benefit_grant.updated'), 'webhook delivery');
    expect((await handle.query(grantStateQuery)).expiresAt).toBeNull();

    // The timer is spent: later nothing fires again, and the key stays the same row.
    await advanceTo(expiresAt + 40 * DAY);
    expect(await expiredEvents(input.grantId)).toBe(1);
  });
  const open = [
    workflowIds.grant(input.grantId),
    ...(await ds.query(`SELECT id FROM webhook_endpoints WHERE organization_id = $1`, [input.organizationId])).map((e: { id: string }) =>
      workflowIds.webhookEndpoint(e.id),
    ),
  ];
  await Promise.all(
    open.map((id) =>
      client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined),
    ),
  );
});
