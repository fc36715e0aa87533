// The worker's dispatcher: a request answers once its change has committed, and the worker starts
// what it needs. Purchases, subscriptions and benefit deletions go through an API whose Temporal is
// down (a closed port): they still take effect, without any outbox relay pass, because the worker
// hears of each commit and starts the workflows itself.
import { Client, Connection } from '@temporalio/client';
import { UnstartedWorkRepository } from '../../db/repositories/unstarted-work.repository';
import { EngineClient } from '../../engine/engine-client';
import { PendingWorkDispatcher } from '../../engine/pending-work-dispatcher';
import { freePort } from '../../lib/free-port';
import { createLogger } from '../../lib/logger';
import { createShop, grantsOf, type Shop } from '../support/fixtures';
import { ApiServer, eventually, startTestStack, TestStack } from '../support/harness';

let stack: TestStack;
let down: ApiServer;
/** The worker's dispatcher, as the harness would start it; this file stops and starts it. */
let dispatcher: PendingWorkDispatcher;
const logger = createLogger('silent', 'test');
const startDispatcher = () => {
  dispatcher = new PendingWorkDispatcher({ dataSource: stack.dataSource, engine: stack.engine, logger });
  dispatcher.start();
};

beforeAll(async () => {
  stack = await startTestStack({ engineDownApi: true, dispatcher: false });
  down = stack.engineDown!;
  startDispatcher();
});
afterAll(async () => {
  await dispatcher?.stop();
  await stack?.close();
});

const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);

async function buyThroughDown(shop: Shop): Promise<{ id: string }> {
  const res = await down.http('POST', '/v1/orders/', {
    token: shop.token,
    body: { customer_id: shop.customer.id, product_id: shop.oneTime.id },
  });
  expect(res.status).toBe(201);
  return res.body;
}

test('a purchase answers once committed and the worker grants it, though the API cannot reach Temporal', async () => {
  const shop = await createShop(stack, 2);
  const order = await buyThroughDown(shop);
  const grants = await eventually(async () => {
    const g = await grantsOf(shop, { is_granted: true });
    return g.length === 2 ? g : null;
  });
  expect(grants.map((g) => g.order_id)).toEqual([order.id, order.id]);
  const [row] = await q(`SELECT workflow_started_at, dispatch_lease_until FROM orders WHERE id = $1`, [order.id]);
  expect(row.workflow_started_at).not.toBeNull();
  expect(row.dispatch_lease_until).toBeNull();
});

test('a subscription created and a benefit deleted through that API take effect too', async () => {
  const shop = await createShop(stack, 1);
  const sub = await down.http('POST', '/v1/subscriptions/', {
    token: shop.token,
    body: { customer_id: shop.customer.id, product_id: shop.monthly.id },
  });
  expect(sub.status).toBe(201);
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1);
  expect(await stack.engine.workflowExists(`subscription:${sub.body.id}`)).toBe(true);

  const del = await down.http('DELETE', `/v1/benefits/${shop.benefits[0].id}`, { token: shop.token });
  expect(del.status).toBe(204);
  const revoked = () =>
    q(`SELECT revoke_reason FROM benefit_grants WHERE benefit_id = $1 AND revoked_at IS NOT NULL`, [shop.benefits[0].id]);
  expect(await eventually(async () => ((await revoked()).length === 1 ? revoked() : null))).toEqual([{ revoke_reason: 'benefit_deleted' }]);
  const pending = await q(`SELECT count(*)::int AS n FROM engine_commands WHERE organization_id = $1 AND dispatched_at IS NULL`, [
    shop.organizationId,
  ]);
  expect(pending[0].n).toBe(0);
});

test('concurrent claims take disjoint rows, and a claimed row is left alone until its lease ends', async () => {
  const shop = await createShop(stack, 1);
  // Orders committed with nobody to start them yet: written straight to the table, as a crash
  // right after the commit would leave them (a second data source stands in for another worker).
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const [o] = await q(
      `INSERT INTO orders (organization_id, customer_id, product_id, billing_reason, subtotal_amount, discount_amount, tax_amount, currency, metadata, task_queue, dispatch_lease_until)
       VALUES ($1, $2, $3, 'purchase', 1000, 0, 0, 'usd', '{}', $4, now() + interval '1 hour') RETURNING id`,
      [shop.organizationId, shop.customer.id, shop.oneTime.id, stack.taskQueue],
    );
    ids.push(o.id);
  }
  const repo = new UnstartedWorkRepository(stack.dataSource);
  // Leased (as if another dispatcher were working on them): nobody claims them.
  const leased = await repo.claimUnstartedOrders(stack.taskQueue, 1000, 30);
  expect(leased.map((o) => o.id).filter((id) => ids.includes(id))).toEqual([]);

  await q(`UPDATE orders SET dispatch_lease_until = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [ids]);
  const [a, b] = await Promise.all([
    repo.claimUnstartedOrders(stack.taskQueue, 1000, 30),
    repo.claimUnstartedOrders(stack.taskQueue, 1000, 30),
  ]);
  const mine = (rows: { id: string }[]) => rows.map((o) => o.id).filter((id) => ids.includes(id));
  expect([...mine(a), ...mine(b)].sort()).toEqual([...ids].sort());
  expect(mine(a).filter((id) => mine(b).includes(id))).toEqual([]);
  // Release them for the worker, which grants every one once its lease has run out.
  await q(`UPDATE orders SET dispatch_lease_until = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 6);
});

test('a start Temporal refuses is retried once the lease runs out, by whichever dispatcher claims it', async () => {
  const shop = await createShop(stack, 1);
  await dispatcher.stop();
  // Meanwhile the only dispatcher is one whose Temporal is unreachable: its starts fail.
  const unreachable = new EngineClient(
    new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) }),
    stack.taskQueue,
  );
  const broken = new PendingWorkDispatcher(
    { dataSource: stack.dataSource, engine: unreachable, logger },
    { leaseSeconds: 2, pollMs: 60_000 },
  );
  broken.start();
  const order = await buyThroughDown(shop);
  // It claimed the order (a lease) and could not start it.
  await eventually(async () => (await q(`SELECT dispatch_lease_until FROM orders WHERE id = $1`, [order.id]))[0].dispatch_lease_until);
  await broken.stop();
  expect((await q(`SELECT workflow_started_at FROM orders WHERE id = $1`, [order.id]))[0].workflow_started_at).toBeNull();
  expect(await grantsOf(shop, { is_granted: true })).toHaveLength(0);
  // A dispatcher whose Temporal answers takes it once the lease has run out (on its start, or its poll).
  startDispatcher();
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1, 30_000);
  expect((await q(`SELECT workflow_started_at FROM orders WHERE id = $1`, [order.id]))[0].workflow_started_at).not.toBeNull();
});

test("another task queue's work is not this dispatcher's: a deployment sharing the database keeps its own", async () => {
  const shop = await createShop(stack, 1);
  const [o] = await q(
    `INSERT INTO orders (organization_id, customer_id, product_id, billing_reason, subtotal_amount, discount_amount, tax_amount, currency, metadata, task_queue)
     VALUES ($1, $2, $3, 'purchase', 1000, 0, 0, 'usd', '{}', 'another-deployment') RETURNING id`,
    [shop.organizationId, shop.customer.id, shop.oneTime.id],
  );
  const repo = new UnstartedWorkRepository(stack.dataSource);
  expect((await repo.claimUnstartedOrders(stack.taskQueue, 1000, 30)).map((r) => r.id)).not.toContain(o.id);
  expect((await repo.claimUnstartedOrders('another-deployment', 1000, 30)).map((r) => r.id)).toEqual([o.id]);
  await q(`UPDATE orders SET workflow_started_at = now() WHERE id = $1`, [o.id]);
});

test("a purchase stamped by an API host whose clock runs ahead of the database's is still claimed at once", async () => {
  const shop = await createShop(stack, 1);
  // A purchase's created_at is the API's clock (as Polar's); here a host 30 s ahead of PostgreSQL.
  const [o] = await q(
    `INSERT INTO orders (organization_id, customer_id, product_id, billing_reason, subtotal_amount, discount_amount, tax_amount, currency, metadata, task_queue, created_at)
     VALUES ($1, $2, $3, 'purchase', 1000, 0, 0, 'usd', '{}', 'ahead-clock', now() + interval '30 seconds') RETURNING id`,
    [shop.organizationId, shop.customer.id, shop.oneTime.id],
  );
  const repo = new UnstartedWorkRepository(stack.dataSource);
  // The outbox relay looks only at work older than its threshold: not this one yet.
  expect((await repo.claimUnstartedOrders('ahead-clock', 1000, 30, 5)).map((r) => r.id)).toEqual([]);
  // The dispatcher, told of the commit, takes it now rather than 30 s later.
  expect((await repo.claimUnstartedOrders('ahead-clock', 1000, 30)).map((r) => r.id)).toEqual([o.id]);
  await q(`UPDATE orders SET workflow_started_at = now() WHERE id = $1`, [o.id]);
});
