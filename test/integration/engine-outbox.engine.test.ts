// Nothing committed is left undone, even with no dispatcher running: changes go through an API
// whose Temporal is down (a closed port) after the worker's dispatcher has stopped (it runs for each
// test's set-up). Every change answers 2xx once committed, and one outbox relay pass later its
// workflows have done what it asked (grants, revocations, signals).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { outboxActivities } from '../../activities/outbox.activities';
import { strategies } from '../../benefits/registry';
import { freePort } from '../../lib/free-port';
import { createLogger } from '../../lib/logger';
import { PendingWorkDispatcher } from '../../engine/pending-work-dispatcher';
import { buyKey, createLicenseShop, keyOfScope, type LicenseShop } from '../support/license-keys.fixtures';
import { ApiServer, eventually, startTestStack, TestStack } from '../support/harness';

let stack: TestStack;
/** The API whose Temporal is down. */
let down: ApiServer;

beforeAll(async () => {
  stack = await startTestStack({ engineDownApi: true, dispatcher: false });
  down = stack.engineDown!;
});
afterAll(async () => stack?.close());

/** The worker's dispatcher, for each test's set-up. */
let dispatcher: PendingWorkDispatcher | null = null;
beforeEach(() => {
  dispatcher = new PendingWorkDispatcher({ dataSource: stack.dataSource, engine: stack.engine, logger: createLogger('silent', 'test') });
  dispatcher.start();
});
afterEach(() => onlyTheRelay());

/** From here on only the relay starts what is committed: the dispatcher stops. */
async function onlyTheRelay(): Promise<void> {
  await dispatcher?.stop();
  dispatcher = null;
}

/** One pass of the outbox relay (its activity, against the reachable engine). */
async function relayPass(): Promise<number> {
  const deps = {
    dataSource: stack.dataSource,
    engine: stack.engine,
    registry: strategies,
    logger: createLogger('silent', 'test'),
    webhookAllowPrivateNetworks: true,
    webhookTimeoutMs: 10_000,
  };
  return outboxActivities(deps).startMissingWorkflows({ olderThanSeconds: 0 });
}

const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
const api = (shop: LicenseShop, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  down.http(method, path, { token: shop.token, body, headers });

async function grantOfScope(scope: { orderId?: string; subscriptionId?: string }): Promise<any> {
  const [g] = await q(`SELECT * FROM benefit_grants WHERE order_id IS NOT DISTINCT FROM $1 AND subscription_id IS NOT DISTINCT FROM $2`, [
    scope.orderId ?? null,
    scope.subscriptionId ?? null,
  ]);
  return g;
}

const revoked = async (scope: { orderId?: string; subscriptionId?: string }) => (await grantOfScope(scope))?.revoked_at != null;
const cycles = async (grantId: string) =>
  (await q(`SELECT count(*)::int AS n FROM benefit_grant_events WHERE grant_id = $1 AND kind = 'cycled'`, [grantId]))[0].n;

async function pendingKinds(organizationId: string): Promise<string[]> {
  const rows = await q(`SELECT kind FROM engine_commands WHERE organization_id = $1 AND dispatched_at IS NULL ORDER BY created_at`, [
    organizationId,
  ]);
  return rows.map((r: { kind: string }) => r.kind);
}

/** A purchase (201 with the engine down), granted by the next relay pass. */
async function buy(shop: LicenseShop, headers?: Record<string, string>): Promise<any> {
  const res = await api(shop, 'POST', '/v1/orders/', { customer_id: shop.customer.id, product_id: shop.oneTime.id }, headers);
  expect(res.status).toBe(201);
  await relayPass();
  await eventually(async () => (await grantOfScope({ orderId: res.body.id }))?.granted_at != null);
  return res.body;
}

/** Set up through the API that reaches Temporal: a subscription whose grant is granted. */
async function subscribe(shop: LicenseShop): Promise<any> {
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  await eventually(async () => (await grantOfScope({ subscriptionId: sub.id }))?.granted_at != null);
  return sub;
}

/** `npm run api` as a process, its Temporal a closed port; stopped (by its pid) at the end of the test. */
async function startApiProcess(): Promise<{ http: (method: string, path: string, o?: any) => Promise<any>; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: {
      ...process.env,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const http = async (method: string, p: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${baseUrl}${p}`, {
      method,
      headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), 'content-type': 'application/json', ...o.headers },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const stop = () => void child.kill('SIGKILL');
  try {
    await eventually(async () => (await http('GET', '/healthz').catch(() => null))?.status === 200, 30_000);
  } catch (err) {
    stop();
    throw err;
  }
  return { http, stop };
}

test('with Temporal down the API process starts, says so on /readyz, serves reads and license validation, and takes purchases granted later', async () => {
  const proc = await startApiProcess();
  try {
    const ready = await proc.http('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ down: ['temporal'], checks: { postgres: 'ok', temporal: expect.stringMatching(/^unavailable/) } });

    const shop = await createLicenseShop(stack);
    const { key } = await buyKey(shop);
    await onlyTheRelay();
    const buy = () =>
      proc.http('POST', '/v1/orders/', {
        token: shop.token,
        body: { customer_id: shop.customer.id, product_id: shop.oneTime.id },
        headers: { 'idempotency-key': 'buy-once' },
      });
    const res = await buy();
    expect(res.status).toBe(201);
    expect((await proc.http('GET', `/v1/orders/${res.body.id}`, { token: shop.token })).status).toBe(200);
    expect((await grantOfScope({ orderId: res.body.id }))?.granted_at ?? null).toBeNull();
    // A retried purchase lands on the same order.
    expect(await buy()).toMatchObject({ status: 200, body: { id: res.body.id } });
    const validated = await proc.http('POST', '/v1/customer-portal/license-keys/validate', {
      body: { key: key.key, organization_id: shop.organizationId },
    });
    expect(validated).toMatchObject({ status: 200, body: { id: key.id, status: 'granted' } });

    // Once an engine is reachable, the relay grants the purchase (once).
    await relayPass();
    await eventually(async () => (await grantOfScope({ orderId: res.body.id }))?.granted_at != null);
    expect((await q(`SELECT count(*)::int AS n FROM benefit_grants WHERE customer_id = $1`, [shop.customer.id]))[0].n).toBe(2);
  } finally {
    proc.stop();
  }
});

test('product benefits changed: the added benefit is granted', async () => {
  const shop = await createLicenseShop(stack);
  const { order } = await buyKey(shop);
  const extra = await shop.polar.benefits.create({ type: 'custom', description: 'Added later', properties: {} });
  await onlyTheRelay();
  const res = await api(shop, 'POST', `/v1/products/${shop.oneTime.id}/benefits`, { benefits: [shop.benefit.id, extra.id] });
  expect(res.status).toBe(200);
  expect(await pendingKinds(shop.organizationId)).toEqual(['fanOut']);
  await relayPass();
  await eventually(
    async () =>
      (await q(`SELECT granted_at FROM benefit_grants WHERE order_id = $1 AND benefit_id = $2`, [order.id, extra.id]))[0]?.granted_at,
  );
  expect(await pendingKinds(shop.organizationId)).toEqual([]);
});

test('benefit updated: existing keys take the new limit', async () => {
  const shop = await createLicenseShop(stack);
  const { order } = await buyKey(shop);
  await onlyTheRelay();
  const res = await api(shop, 'PATCH', `/v1/benefits/${shop.benefit.id}`, { type: 'license_keys', properties: { limit_usage: 7 } });
  expect(res.status).toBe(200);
  expect((await keyOfScope(shop, { orderId: order.id })).limit_usage).toBeNull();
  await relayPass();
  await eventually(async () => (await keyOfScope(shop, { orderId: order.id })).limit_usage === 7);
});

test('benefit deleted: its grants are revoked', async () => {
  const shop = await createLicenseShop(stack);
  const { order } = await buyKey(shop);
  await onlyTheRelay();
  expect((await api(shop, 'DELETE', `/v1/benefits/${shop.benefit.id}`)).status).toBe(204);
  expect(await revoked({ orderId: order.id })).toBe(false);
  await relayPass();
  await eventually(() => revoked({ orderId: order.id }));
});

test('refund with revoke_benefits: the order grants are revoked', async () => {
  const shop = await createLicenseShop(stack);
  const { order } = await buyKey(shop);
  await onlyTheRelay();
  const res = await api(shop, 'POST', '/v1/refunds/', {
    order_id: order.id,
    amount: 1000,
    reason: 'customer_request',
    revoke_benefits: true,
  });
  expect(res.status).toBe(201);
  expect(await revoked({ orderId: order.id })).toBe(false);
  await relayPass();
  await eventually(() => revoked({ orderId: order.id }));
});

test('license key PATCHed to revoked: its grant is revoked', async () => {
  const shop = await createLicenseShop(stack);
  const { order, key } = await buyKey(shop);
  await onlyTheRelay();
  const res = await api(shop, 'PATCH', `/v1/license-keys/${key.id}`, { status: 'revoked' });
  expect(res).toMatchObject({ status: 200, body: { status: 'revoked' } });
  expect(await revoked({ orderId: order.id })).toBe(false);
  await relayPass();
  await eventually(() => revoked({ orderId: order.id }));
});

/** Signals the subscription's workflow has received. */
const signalsOf = async (subscriptionId: string) =>
  (await stack.temporal.workflow.getHandle(`subscription:${subscriptionId}`).fetchHistory()).events!.filter(
    (e) => e.workflowExecutionSignaledEventAttributes,
  ).length;

test('subscription canceled at period end: its workflow is told', async () => {
  const shop = await createLicenseShop(stack);
  const sub = await subscribe(shop);
  await onlyTheRelay();
  const res = await api(shop, 'PATCH', `/v1/subscriptions/${sub.id}`, { cancel_at_period_end: true });
  expect(res).toMatchObject({ status: 200, body: { cancel_at_period_end: true } });
  // Retried: nothing more to tell.
  expect((await api(shop, 'PATCH', `/v1/subscriptions/${sub.id}`, { cancel_at_period_end: true })).status).toBe(200);
  expect(await signalsOf(sub.id)).toBe(0);
  await relayPass();
  await eventually(async () => (await signalsOf(sub.id)) === 1);
  expect(await pendingKinds(shop.organizationId)).toEqual([]);
});

test('subscription renewed by PATCH, retried and re-dispatched: the grants cycle once', async () => {
  const shop = await createLicenseShop(stack);
  const sub = await subscribe(shop);
  const grant = await grantOfScope({ subscriptionId: sub.id });
  await onlyTheRelay();
  const end = new Date(Date.parse(sub.current_period_end) + 30 * 86_400_000).toISOString();
  for (let i = 0; i < 2; i++) {
    const res = await api(shop, 'PATCH', `/v1/subscriptions/${sub.id}`, { current_period_end: end });
    expect(res).toMatchObject({ status: 200, body: { current_period_end: end } });
  }
  await relayPass();
  await eventually(async () => (await cycles(grant.id)) === 1);
  // The same renewal dispatched again (a relay retry after a lost mark), then a revoke behind it.
  const [renewal] = await q(`SELECT payload FROM engine_commands WHERE kind = 'signalSubscription' AND payload->>'subscriptionId' = $1`, [
    sub.id,
  ]);
  await stack.engine.signalSubscription(sub.id, renewal.payload.event);
  await stack.engine.signalSubscription(sub.id, { kind: 'revokeNow' });
  await stack.temporal.workflow.getHandle(`subscription:${sub.id}`).result();
  expect(await cycles(grant.id)).toBe(1);
});

test('subscription renewed by a cycle order: the grants cycle', async () => {
  const shop = await createLicenseShop(stack);
  const sub = await subscribe(shop);
  const grant = await grantOfScope({ subscriptionId: sub.id });
  await onlyTheRelay();
  const res = await api(shop, 'POST', '/v1/orders/', {
    customer_id: shop.customer.id,
    product_id: shop.monthly.id,
    subscription_id: sub.id,
    billing_reason: 'subscription_cycle',
  });
  expect(res.status).toBe(201);
  await relayPass();
  await eventually(async () => (await cycles(grant.id)) === 1);
});

test('subscription revoked: its grants are revoked and its workflow ends', async () => {
  const shop = await createLicenseShop(stack);
  const sub = await subscribe(shop);
  await onlyTheRelay();
  const res = await api(shop, 'DELETE', `/v1/subscriptions/${sub.id}`);
  expect(res).toMatchObject({ status: 200, body: { status: 'canceled' } });
  await relayPass();
  await eventually(() => revoked({ subscriptionId: sub.id }));
  await stack.temporal.workflow.getHandle(`subscription:${sub.id}`).result();
});

test('customer deleted: their subscriptions end at once and every grant is revoked', async () => {
  const shop = await createLicenseShop(stack);
  const { order } = await buyKey(shop);
  const sub = await subscribe(shop);
  await onlyTheRelay();
  const res = await api(shop, 'DELETE', `/v1/customers/${shop.customer.id}`);
  expect(res.status).toBe(204);
  const [row] = await q(`SELECT status, ended_at FROM subscriptions WHERE id = $1`, [sub.id]);
  expect(row.status).toBe('canceled');
  expect(row.ended_at).not.toBeNull();
  await relayPass();
  await eventually(async () => (await revoked({ orderId: order.id })) && (await revoked({ subscriptionId: sub.id })));
  await stack.temporal.workflow.getHandle(`subscription:${sub.id}`).result();
});

test('the relay steps past a command that keeps failing, records why and backs off', async () => {
  const shop = await createLicenseShop(stack);
  await onlyTheRelay();
  const [poisoned] = await q(
    `INSERT INTO engine_commands (organization_id, kind, payload, created_at) VALUES ($1, 'noSuchKind', '{}', now() - interval '1 hour') RETURNING id`,
    [shop.organizationId],
  );
  // The purchase is relayed after the poisoned command, in the same pass.
  const order = await buy(shop);
  const [after] = await q(`SELECT * FROM engine_commands WHERE id = $1`, [poisoned.id]);
  expect(after).toMatchObject({ dispatched_at: null, attempts: 1, last_error: expect.stringContaining('noSuchKind') });
  expect(after.next_attempt_at.getTime()).toBeGreaterThan(Date.now());

  // Backing off: the next pass leaves it alone and dispatches what came since.
  const refund = await api(shop, 'POST', '/v1/refunds/', {
    order_id: order.id,
    amount: 1000,
    reason: 'customer_request',
    revoke_benefits: true,
  });
  expect(refund.status).toBe(201);
  await relayPass();
  await eventually(() => revoked({ orderId: order.id }));
  expect((await q(`SELECT attempts FROM engine_commands WHERE id = $1`, [poisoned.id]))[0].attempts).toBe(1);
  await q(`DELETE FROM engine_commands WHERE id = $1`, [poisoned.id]);
});
