// A grant revoked for a reason stays revoked: product benefit changes, benefit updates, relay
// passes and retried commands never grant it again; only a live scope grants (past-due
// subscriptions inside their grace take part in a product change, deleted customers do not).
import { grantStateQuery } from '../../workflows/definitions';
import { buyGranted, createShop, grantsOf, Shop } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop, failure } from '../support/license-keys.fixtures';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

interface GrantDbRow {
  id: string;
  customer_id: string;
  benefit_id: string;
  order_id: string | null;
  subscription_id: string | null;
  granted_at: Date | null;
  revoked_at: Date | null;
  revoke_reason: string | null;
}

const rowsOf = (customerId: string): Promise<GrantDbRow[]> =>
  stack.dataSource.query(`SELECT * FROM benefit_grants WHERE customer_id = $1 ORDER BY created_at, id`, [customerId]);

/** Waits until the product benefits change fan-out started for `productId` has finished. */
async function productChangeDone(productId: string): Promise<void> {
  const handle = await eventually(async () => {
    for await (const w of stack.temporal.workflow.list({ query: `WorkflowId STARTS_WITH 'product-benefits:${productId}:'` })) {
      return stack.temporal.workflow.getHandle(w.workflowId, w.runId);
    }
    return null;
  });
  await handle.result();
}

/** Waits until every command sent to these grants has been applied (or their workflow ended). */
async function grantsSettled(grantIds: string[]): Promise<void> {
  for (const id of grantIds) {
    await eventually(async () => {
      const handle = stack.temporal.workflow.getHandle(`grant:${id}`);
      const described = await handle.describe().catch(() => null);
      if (!described || described.status.name !== 'RUNNING') return true;
      const state = await handle.query(grantStateQuery);
      return state.processed > 0 && state.pendingCommands.length === 0;
    });
  }
}

/** As a retried request would: tell the grant to grant and wait until it applied it. */
async function commandGrant(shop: { organizationId: string }, row: GrantDbRow, benefitType: string): Promise<void> {
  await stack.engine.commandGrantAndWait(
    { grantId: row.id, organizationId: shop.organizationId, customerId: row.customer_id, benefitId: row.benefit_id, benefitType },
    { action: 'grant' },
  );
}

async function addBenefit(shop: Shop, productId: string): Promise<{ id: string }> {
  const extra = await shop.polar.benefits.create({ type: 'custom', description: 'Added later', properties: {} });
  await shop.polar.products.updateBenefits(productId, { benefits: [...shop.benefits.map((b) => b.id), extra.id] });
  return extra;
}

test('a product benefits change grants nothing to a deleted customer', async () => {
  const shop = await createShop(stack, 2);
  await buyGranted(shop, 2);
  const live = await shop.polar.customers.create({ email: `live-${process.pid}-${Date.now()}@example.com` });
  await shop.polar.orders.create({ customer_id: live.id, product_id: shop.oneTime.id });
  await eventually(async () => (await rowsOf(live.id)).filter((r) => r.granted_at).length === 2);
  await shop.polar.customers.delete(shop.customer.id);
  await eventually(async () => (await rowsOf(shop.customer.id)).filter((r) => r.revoked_at).length === 2);

  const extra = await addBenefit(shop, shop.oneTime.id);
  await productChangeDone(shop.oneTime.id);
  await eventually(async () => (await rowsOf(live.id)).filter((r) => r.granted_at).length === 3);
  await grantsSettled((await rowsOf(shop.customer.id)).map((r) => r.id));
  const rows = await rowsOf(shop.customer.id);
  expect(rows.filter((r) => r.granted_at)).toEqual([]);
  expect(rows.map((r) => r.revoke_reason)).toEqual(['customer_deleted', 'customer_deleted']);
  expect(rows.some((r) => r.benefit_id === extra.id)).toBe(false);
});

test('a past-due subscription inside its grace gets a newly added benefit; one past its grace does not', async () => {
  const shop = await createShop(stack, 1);
  await stack.dataSource.query(`UPDATE organizations SET grace_period_days = 3 WHERE id = $1`, [shop.organizationId]);
  const inGrace = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  const pastGrace = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  await eventually(async () => (await rowsOf(shop.customer.id)).filter((r) => r.granted_at).length === 2);
  // The states the subscription workflow reaches at a period end without renewal.
  await stack.dataSource.query(`UPDATE subscriptions SET status = 'past_due', past_due_at = now() WHERE id = $1`, [inGrace.id]);
  await stack.dataSource.query(`UPDATE subscriptions SET status = 'past_due', past_due_at = now() - interval '4 days' WHERE id = $1`, [
    pastGrace.id,
  ]);

  const extra = await addBenefit(shop, shop.monthly.id);
  await productChangeDone(shop.monthly.id);
  await eventually(async () =>
    (await rowsOf(shop.customer.id)).some((r) => r.subscription_id === inGrace.id && r.benefit_id === extra.id && r.granted_at),
  );
  const pastGraceRows = (await rowsOf(shop.customer.id)).filter((r) => r.subscription_id === pastGrace.id);
  await grantsSettled(pastGraceRows.map((r) => r.id));
  expect(
    (await rowsOf(shop.customer.id)).filter((r) => r.subscription_id === pastGrace.id && r.benefit_id === extra.id && r.granted_at),
  ).toEqual([]);
});

test('a grant revoked by a refund or a revoked subscription is not granted again by a relay pass, a retried command or a product change', async () => {
  const shop = await createShop(stack, 1);
  const { order } = await buyGranted(shop, 1);
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  await eventually(async () => (await rowsOf(shop.customer.id)).filter((r) => r.granted_at).length === 2);
  await shop.polar.refunds.create({ order_id: order.id, reason: 'customer_request', amount: 1000, revoke_benefits: true });
  await shop.polar.subscriptions.revoke(sub.id);
  await eventually(async () => (await rowsOf(shop.customer.id)).filter((r) => r.revoked_at).length === 2);

  // A relay pass that finds the order as if its start had been lost grants nothing either.
  await stack.dataSource.query(`UPDATE orders SET workflow_started_at = NULL, created_at = now() - interval '1 minute' WHERE id = $1`, [
    order.id,
  ]);
  await stack.temporal.workflow.execute('outboxRelayWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `relay-test-refund-${order.id}`,
    args: [{ intervalSeconds: 0, olderThanSeconds: 30, iterations: 1 }],
  });
  for (const row of await rowsOf(shop.customer.id)) await commandGrant(shop, row, 'custom');
  await addBenefit(shop, shop.oneTime.id);
  await productChangeDone(shop.oneTime.id);
  await grantsSettled((await rowsOf(shop.customer.id)).map((r) => r.id));
  const rows = await rowsOf(shop.customer.id);
  expect(rows.filter((r) => r.granted_at)).toEqual([]);
  expect(rows.map((r) => [r.order_id ? 'order' : 'subscription', r.revoke_reason]).sort()).toEqual([
    ['order', 'refunded'],
    ['subscription', 'scope_ended'],
  ]);
});

test('a benefit removed from a product and added back is granted again while the scope lives', async () => {
  const shop = await createShop(stack, 2);
  const { order } = await buyGranted(shop, 2);
  const removed = shop.benefits[1].id;
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [shop.benefits[0].id] });
  await eventually(
    async () => (await rowsOf(shop.customer.id)).find((r) => r.benefit_id === removed)?.revoke_reason === 'removed_from_product',
  );
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: shop.benefits.map((b) => b.id) });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).filter((g) => g.order_id === order.id).length === 2);
});

test('a license key PATCHed to revoked stays revoked through a benefit update, a product change and the portal', async () => {
  const shop = await createLicenseShop(stack, { limit_usage: 5 });
  const { order, key } = await buyKey(shop);
  await shop.polar.licenseKeys.update(key.id, { status: 'revoked' });
  const [grant] = (await rowsOf(shop.customer.id)).filter((r) => r.order_id === order.id);

  await shop.polar.benefits.update(shop.benefit.id, { type: 'license_keys', properties: { limit_usage: 9 } });
  const extra = await shop.polar.benefits.create({ type: 'custom', description: 'Added later', properties: {} });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [shop.benefit.id, extra.id] });
  await productChangeDone(shop.oneTime.id);
  await eventually(async () => (await rowsOf(shop.customer.id)).some((r) => r.benefit_id === extra.id && r.granted_at));
  await grantsSettled([grant.id]);

  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const portal = stack.polar(session.token);
  const denied = await failure(portal.customerPortal.benefitGrants.update(grant.id, { benefit_type: 'license_keys' }));
  expect(denied.statusCode).toBe(403);
  expect(denied.error).toMatchObject({ error: 'NotPermitted' });
  await grantsSettled([grant.id]);

  expect((await shop.polar.licenseKeys.get(key.id)).status).toBe('revoked');
  const [after] = (await rowsOf(shop.customer.id)).filter((r) => r.id === grant.id);
  expect(after).toMatchObject({ granted_at: null, revoke_reason: 'license_key_revoked' });
  expect((await failure(shop.polar.licenseKeys.validate({ key: key.key, organization_id: shop.organizationId }))).statusCode).toBe(404);
});

test('grants revoked when a past-due grace ran out are granted again once the subscription is paid', async () => {
  const shop = await createShop(stack, 1);
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  const [row] = await eventually(async () => {
    const rows = (await rowsOf(shop.customer.id)).filter((r) => r.granted_at);
    return rows.length === 1 ? rows : null;
  });
  const input = {
    grantId: row.id,
    organizationId: shop.organizationId,
    customerId: shop.customer.id,
    benefitId: row.benefit_id,
    benefitType: 'custom',
  };
  // What the subscription workflow does when the grace runs out, then when a renewal comes in.
  await stack.dataSource.query(`UPDATE subscriptions SET status = 'past_due', past_due_at = now() WHERE id = $1`, [sub.id]);
  await stack.engine.commandGrantAndWait(input, { action: 'revoke' });
  expect((await rowsOf(shop.customer.id))[0]).toMatchObject({ granted_at: null, revoke_reason: 'past_due' });
  await stack.dataSource.query(`UPDATE subscriptions SET status = 'active', past_due_at = NULL WHERE id = $1`, [sub.id]);
  await stack.engine.commandGrantAndWait(input, { action: 'grant' });
  expect((await rowsOf(shop.customer.id))[0]).toMatchObject({ revoked_at: null, revoke_reason: null });
  expect((await rowsOf(shop.customer.id))[0].granted_at).not.toBeNull();
});
