// Refunds through the official SDK: stored and listed (Polar's Refund and list shape), recorded
// once per request however often it is retried, never more than the order has left to refund.
import { createShop, Shop } from '../support/fixtures';
import { startTestStack, TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;
let shop: Shop;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  shop = await createShop(stack);
});
afterAll(async () => stack?.close());

/** A paid one-time order of 1000 (the product's price). */
const buy = () => shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
const refund = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  stack.http('POST', '/v1/refunds/', { token: shop.token, body: { reason: 'customer_request', ...body }, headers });
const refundsOf = async (orderId: string) => (await shop.polar.refunds.list({ order_id: orderId, limit: 100 })).items;

test('partial refunds are stored and listed, and the order follows: partially_refunded, then refunded', async () => {
  const order = await buy();
  const first = await shop.polar.refunds.create({
    order_id: order.id,
    reason: 'customer_request',
    amount: 300,
    metadata: { ticket: 'T-1' },
  });
  expectMatchesSpec('/v1/refunds/', 'post', 201, first);
  expect(first).toMatchObject({
    order_id: order.id,
    customer_id: shop.customer.id,
    amount: 300,
    status: 'succeeded',
    metadata: { ticket: 'T-1' },
  });
  expect(await shop.polar.orders.get(order.id)).toMatchObject({
    status: 'partially_refunded',
    refunded_amount: 300,
    refundable_amount: 700,
  });

  const second = await shop.polar.refunds.create({ order_id: order.id, reason: 'other', amount: 700 });
  expect(await shop.polar.orders.get(order.id)).toMatchObject({ status: 'refunded', refunded_amount: 1000, refundable_amount: 0 });

  const list = await shop.polar.refunds.list({ order_id: order.id });
  expectMatchesSpec('/v1/refunds/', 'get', 200, list);
  expect(list.items.map((r: any) => r.id)).toEqual([second.id, first.id]); // newest first
  expect(list.pagination).toEqual({ total_count: 2, max_page: 1 });

  const more = await refund({ order_id: order.id, amount: 1 });
  expect(more.status).toBe(403);
  expect(more.body).toEqual({ error: 'RefundedAlready', detail: expect.any(String) });
  expectMatchesSpec('/v1/refunds/', 'post', 403, more.body);
});

test("a refund beyond the order's remaining amount answers 422 at body.amount and changes nothing", async () => {
  const order = await buy();
  expect((await refund({ order_id: order.id, amount: 600 })).status).toBe(201);
  const tooMuch = await refund({ order_id: order.id, amount: 401 });
  expect(tooMuch.status).toBe(422);
  expect(tooMuch.body.detail[0].loc).toEqual(['body', 'amount']);
  expectMatchesSpec('/v1/refunds/', 'post', 422, tooMuch.body);
  expect(await refundsOf(order.id)).toHaveLength(1);
  expect(await shop.polar.orders.get(order.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: 600 });
});

test('a retried request refunds once: same Idempotency-Key, or the identical request without one', async () => {
  const order = await buy();
  const keyed = await refund({ order_id: order.id, amount: 100 }, { 'idempotency-key': `refund-${order.id}` });
  const retried = await refund({ order_id: order.id, amount: 100 }, { 'idempotency-key': `refund-${order.id}` });
  expect(keyed.status).toBe(201);
  expect(retried.status).toBe(201);
  expect(retried.body).toEqual(keyed.body);

  const bare = await refund({ order_id: order.id, amount: 200 });
  const bareAgain = await refund({ order_id: order.id, amount: 200 });
  expect(bareAgain.body.id).toBe(bare.body.id);

  // A distinct key records a second, identical partial refund on purpose.
  const distinct = await refund({ order_id: order.id, amount: 200 }, { 'idempotency-key': `second-${order.id}` });
  expect(distinct.body.id).not.toBe(bare.body.id);

  const reused = await refund({ order_id: order.id, amount: 150 }, { 'idempotency-key': `refund-${order.id}` });
  expect(reused.status).toBe(422);
  expect(reused.body.detail[0].loc).toEqual(['header', 'idempotency-key']);

  expect((await refundsOf(order.id)).map((r: any) => r.amount).sort()).toEqual([100, 200, 200]);
  expect((await shop.polar.orders.get(order.id)).refunded_amount).toBe(500);
});

test('concurrent refunds of one order never add up to more than the order', async () => {
  const order = await buy();
  const sameKey = await Promise.all(
    [1, 2, 3].map(() => refund({ order_id: order.id, amount: 100 }, { 'idempotency-key': `race-${order.id}` })),
  );
  expect(new Set(sameKey.map((r) => r.body.id)).size).toBe(1);

  const distinct = await Promise.all(
    [1, 2, 3, 4].map((i) => refund({ order_id: order.id, amount: 300 }, { 'idempotency-key': `race-${i}-${order.id}` })),
  );
  expect(distinct.map((r) => r.status).sort()).toEqual([201, 201, 201, 403]); // 100 + 3 x 300: nothing left for the fourth
  expect(await shop.polar.orders.get(order.id)).toMatchObject({ refunded_amount: 1000, status: 'refunded' });
  expect(await refundsOf(order.id)).toHaveLength(4);
});

test('the list filters by customer and subscription, sorts, pages, and shows only the own organization', async () => {
  const other = await createShop(stack);
  const theirs = await other.polar.orders.create({ customer_id: other.customer.id, product_id: other.oneTime.id });
  await other.polar.refunds.create({ order_id: theirs.id, reason: 'other', amount: 50 });
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  const renewal = await shop.polar.orders.create({
    customer_id: shop.customer.id,
    product_id: shop.monthly.id,
    subscription_id: sub.id,
    billing_reason: 'subscription_cycle',
  } as any);
  const subRefund = await shop.polar.refunds.create({ order_id: renewal.id, reason: 'other', amount: 999 });
  expect(subRefund.subscription_id).toBe(sub.id);

  expect((await shop.polar.refunds.list({ subscription_id: sub.id })).items.map((r: any) => r.id)).toEqual([subRefund.id]);
  const mine = await shop.polar.refunds.list({ customer_id: shop.customer.id, limit: 100 });
  expect(mine.items.every((r: any) => r.customer_id === shop.customer.id && r.organization_id === shop.organizationId)).toBe(true);
  expect((await shop.polar.refunds.list({ customer_id: other.customer.id })).items).toEqual([]);
  expect((await shop.polar.refunds.list({ organization_id: other.organizationId })).items).toEqual([]);

  const byAmount = await shop.polar.refunds.list({ sorting: ['-amount'], limit: 100 });
  expect(byAmount.items[0].id).toBe(subRefund.id);
  const amounts = byAmount.items.map((r: any) => r.amount);
  expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
  const page2 = await shop.polar.refunds.list({ sorting: ['-amount'], limit: 1, page: 2 });
  expect(page2.items.map((r: any) => r.id)).toEqual([byAmount.items[1].id]);
  expect(page2.pagination).toEqual({ total_count: byAmount.pagination.total_count, max_page: byAmount.pagination.total_count });

  const bad = await stack.http('GET', '/v1/refunds/?sorting=status', { token: shop.token });
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(['query', 'sorting', 0]);
});
