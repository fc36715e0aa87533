// Engine rules seen through the API: product benefit changes, benefit and customer deletion,
// shared access across sources, the customer portal, and the crash between record and start.
import { buyGranted, createShop, grantsOf, Shop } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const grantedBenefits = async (shop: Shop, scope: Record<string, string>) =>
  (await grantsOf(shop))
    .filter((g) => Object.entries(scope).every(([k, v]) => g[k] === v) && g.is_granted)
    .map((g) => g.benefit_id)
    .sort();

test('changing a product benefits revokes the removed one and grants the added one', async () => {
  const shop = await createShop(stack, 2);
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantedBenefits(shop, { order_id: order.id })).length === 2);
  const extra = await shop.polar.benefits.create({ type: 'custom', description: 'Added later', properties: {} });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [shop.benefits[0].id, extra.id] });
  const expected = [shop.benefits[0].id, extra.id].sort();
  await eventually(async () => JSON.stringify(await grantedBenefits(shop, { order_id: order.id })) === JSON.stringify(expected));
  const removed = (await grantsOf(shop)).find((g) => g.benefit_id === shop.benefits[1].id && g.order_id === order.id);
  expect(removed.is_revoked).toBe(true);
  // The removed benefit's revoke finished before the added benefit was granted.
  const added = (await grantsOf(shop)).find((g) => g.benefit_id === extra.id && g.order_id === order.id);
  expect(Date.parse(removed.revoked_at)).toBeLessThanOrEqual(Date.parse(added.granted_at));
});

test('deleting a benefit revokes every grant of it and removes it from products', async () => {
  const shop = await createShop(stack, 2);
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantedBenefits(shop, { order_id: order.id })).length === 2);
  await shop.polar.benefits.delete(shop.benefits[0].id);
  await eventually(
    async () =>
      (
        await stack.dataSource.query(`SELECT count(*)::int AS n FROM benefit_grants WHERE benefit_id = $1 AND revoked_at IS NOT NULL`, [
          shop.benefits[0].id,
        ])
      )[0].n === 1,
  );
  const product = await shop.polar.products.get(shop.oneTime.id);
  expect(product.benefits.map((b: any) => b.id)).toEqual([shop.benefits[1].id]);
  const state = await shop.polar.customers.getState(shop.customer.id);
  expect(state.granted_benefits.map((g: any) => g.benefit_id)).toEqual([shop.benefits[1].id]);
});

test('deleting a customer revokes all their grants', async () => {
  const shop = await createShop(stack, 2);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 2);
  await shop.polar.customers.delete(shop.customer.id);
  await eventually(
    async () =>
      (
        await stack.dataSource.query(`SELECT count(*)::int AS n FROM benefit_grants WHERE customer_id = $1 AND revoked_at IS NOT NULL`, [
          shop.customer.id,
        ])
      )[0].n === 2,
  );
});

test('access held through two sources lasts until the last one ends', async () => {
  const shop = await createShop(stack, 1);
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 2);
  await shop.polar.subscriptions.revoke(sub.id);
  await eventually(async () => (await grantsOf(shop)).some((g) => g.subscription_id === sub.id && g.is_revoked));
  const state = await shop.polar.customers.getState(shop.customer.id);
  expect(state.granted_benefits.map((g: any) => g.benefit_id)).toEqual([shop.benefits[0].id]);
  expect((await grantsOf(shop)).find((g) => g.order_id === order.id).is_granted).toBe(true);
});

test('the customer portal lists the session customer grants only', async () => {
  const shop = await createShop(stack, 1);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const portal = stack.polar(session.token);
  const list = await portal.customerPortal.benefitGrants.list({});
  expectMatchesSpec('/v1/customer-portal/benefit-grants/', 'get', 200, list);
  expect(list.items).toHaveLength(1);
  const one = await portal.customerPortal.benefitGrants.get(list.items[0].id);
  expectMatchesSpec('/v1/customer-portal/benefit-grants/{id}', 'get', 200, one);
  const stranger = await createShop(stack, 1);
  const strangerSession = await stranger.polar.customerSessions.create({ customer_id: stranger.customer.id });
  const res = await stack.http('GET', `/v1/customer-portal/benefit-grants/${one.id}`, { token: strangerSession.token });
  expect(res.status).toBe(404);
  expect((await stack.http('GET', '/v1/customer-portal/benefit-grants/', { token: shop.token })).status).toBe(401);
});

test('an order recorded without its workflow (crash in between) is started by the outbox relay', async () => {
  const shop = await createShop(stack, 1);
  // The row committed but the process died before starting the workflow, and no dispatcher runs.
  await stack.dispatcher!.stop();
  const [row] = await stack.dataSource.query(
    `INSERT INTO orders (organization_id, customer_id, product_id, billing_reason, created_at, task_queue)
     VALUES ($1, $2, $3, 'purchase', now() - interval '1 minute', $4) RETURNING id`,
    [shop.organizationId, shop.customer.id, shop.oneTime.id, stack.taskQueue],
  );
  expect(await grantsOf(shop)).toHaveLength(0);
  await stack.temporal.workflow.execute('outboxRelayWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `relay-test-${row.id}`,
    args: [{ intervalSeconds: 0, olderThanSeconds: 30, iterations: 1 }],
  });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1);
  const [after] = await stack.dataSource.query(`SELECT workflow_started_at FROM orders WHERE id = $1`, [row.id]);
  expect(after.workflow_started_at).not.toBeNull();
  stack.dispatcher!.start();
});

test('a benefit deleted without its revocation fan-out (crash in between) is revoked by the relay', async () => {
  const shop = await createShop(stack, 1);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1);
  // The soft delete committed; the process died before starting the fan-out.
  await stack.dataSource.query(`UPDATE benefits SET deleted_at = now() - interval '1 minute' WHERE id = $1`, [shop.benefits[0].id]);
  await stack.temporal.workflow.execute('outboxRelayWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `relay-test-benefit-${shop.benefits[0].id}`,
    args: [{ intervalSeconds: 0, olderThanSeconds: 30, iterations: 1 }],
  });
  await eventually(
    async () =>
      (
        await stack.dataSource.query(`SELECT count(*)::int AS n FROM benefit_grants WHERE benefit_id = $1 AND revoked_at IS NOT NULL`, [
          shop.benefits[0].id,
        ])
      )[0].n === 1,
  );
});

test('a deleted benefit whose fan-out ran is not fanned out again while its grants are still revoking', async () => {
  const shop = await createShop(stack, 1);
  const [grant] = (await buyGranted(shop, 1)).grants;
  await shop.polar.benefits.delete(shop.benefits[0].id);
  const fanOut = stack.temporal.workflow.getHandle(`benefit-deleted:${shop.benefits[0].id}`);
  // The deletion answers at its commit; the worker's dispatcher starts the fan-out right after.
  await eventually(() => stack.engine.workflowExists(fanOut.workflowId));
  await fanOut.result();
  const { runId } = await fanOut.describe();
  // As in a large fan-out: the revoke is signalled but the grant is still live a minute later.
  await stack.dataSource.query(`UPDATE benefits SET deleted_at = now() - interval '1 minute' WHERE id = $1`, [shop.benefits[0].id]);
  await stack.dataSource.query(`UPDATE benefit_grants SET revoked_at = NULL, granted_at = now() WHERE id = $1`, [grant.id]);
  await stack.temporal.workflow.execute('outboxRelayWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `relay-test-ran-${shop.benefits[0].id}`,
    args: [{ intervalSeconds: 0, olderThanSeconds: 30, iterations: 1 }],
  });
  expect((await fanOut.describe()).runId).toBe(runId);
});
