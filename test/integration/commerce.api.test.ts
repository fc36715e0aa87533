// Orders, subscriptions, refunds and grants through the official SDK, each response checked
// against Polar's 2026-10 schema.
import { randomUUID } from 'node:crypto';
import { createShop, grantsOf, Shop } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;
let shop: Shop;

beforeAll(async () => {
  stack = await startTestStack();
  shop = await createShop(stack);
});
afterAll(async () => stack?.close());

const allGranted = (n: number, filters: Record<string, unknown>) =>
  eventually(async () => {
    const grants = await grantsOf(shop, filters);
    return grants.length === n && grants.every((g) => g.is_granted) ? grants : null;
  });

test('an order with an Idempotency-Key is recorded once and grants once', async () => {
  const body = { customer_id: shop.customer.id, product_id: shop.oneTime.id };
  const first = await stack.http('POST', '/v1/orders/', { token: shop.token, body, headers: { 'idempotency-key': 'order-1' } });
  const again = await stack.http('POST', '/v1/orders/', { token: shop.token, body, headers: { 'idempotency-key': 'order-1' } });
  expect(first.status).toBe(201);
  expect(again.status).toBe(200);
  expect(again.body.id).toBe(first.body.id);
  expectMatchesSpec('/v1/orders/', 'post', 201, first.body);
  const grants = await allGranted(2, {}).then(() => grantsOf(shop));
  expect(grants.filter((g) => g.order_id === first.body.id)).toHaveLength(2);

  const list = await shop.polar.orders.list({});
  expectMatchesSpec('/v1/orders/', 'get', 200, list);
  expect(list.items.map((o: any) => o.id)).toEqual([first.body.id]);
  expectMatchesSpec('/v1/orders/{id}', 'get', 200, await shop.polar.orders.get(first.body.id));
});

test('a subscription grants, cancels at period end, renews and is revoked', async () => {
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  expectMatchesSpec('/v1/subscriptions/', 'post', 201, sub);
  expect(sub.status).toBe('active');
  await allGranted(2, {}).then(() =>
    eventually(async () => (await grantsOf(shop)).filter((g) => g.subscription_id === sub.id && g.is_granted).length === 2),
  );

  const canceled = await shop.polar.subscriptions.update(sub.id, { cancel_at_period_end: true });
  expectMatchesSpec('/v1/subscriptions/{id}', 'patch', 200, canceled);
  expect(canceled.cancel_at_period_end).toBe(true);
  expect(canceled.ends_at).toBe(sub.current_period_end);
  const uncanceled = await shop.polar.subscriptions.update(sub.id, { cancel_at_period_end: false });
  expect(uncanceled.cancel_at_period_end).toBe(false);

  const renewal = await shop.polar.orders.create({
    customer_id: shop.customer.id,
    product_id: shop.monthly.id,
    subscription_id: sub.id,
    billing_reason: 'subscription_cycle',
  });
  expect(renewal.billing_reason).toBe('subscription_cycle');
  const renewed = await shop.polar.subscriptions.get(sub.id);
  expect(renewed.current_period_start).toBe(sub.current_period_end);
  expect(Date.parse(renewed.current_period_end)).toBeGreaterThan(Date.parse(sub.current_period_end));
  await eventually(async () => {
    const rows = await stack.dataSource.query(
      `SELECT count(*)::int AS n FROM benefit_grant_events e JOIN benefit_grants g ON g.id = e.grant_id WHERE g.subscription_id = $1 AND e.kind = 'cycled'`,
      [sub.id],
    );
    return rows[0].n === 2;
  });

  const revoked = await shop.polar.subscriptions.revoke(sub.id);
  expectMatchesSpec('/v1/subscriptions/{id}', 'delete', 200, revoked);
  expect(revoked.status).toBe('canceled');
  await eventually(async () => (await grantsOf(shop)).filter((g) => g.subscription_id === sub.id && g.is_revoked).length === 2);
  const list = await shop.polar.subscriptions.list({});
  expectMatchesSpec('/v1/subscriptions/', 'get', 200, list);
});

test('a refund with revoke_benefits revokes the order grants', async () => {
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantsOf(shop)).filter((g) => g.order_id === order.id && g.is_granted).length === 2);
  const refund = await shop.polar.refunds.create({ order_id: order.id, reason: 'customer_request', amount: 1000, revoke_benefits: true });
  expectMatchesSpec('/v1/refunds/', 'post', 201, refund);
  await eventually(async () => (await grantsOf(shop)).filter((g) => g.order_id === order.id && g.is_revoked).length === 2);
  expect((await shop.polar.orders.get(order.id)).status).toBe('refunded');
});

test('benefit grants list filters and validates against the spec', async () => {
  const granted = await shop.polar.benefitGrants.list({ customer_id: shop.customer.id, is_granted: true });
  expectMatchesSpec('/v1/benefit-grants/', 'get', 200, granted);
  expect(granted.items.every((g: any) => g.is_granted)).toBe(true);
  const revoked = await shop.polar.benefitGrants.list({ customer_id: shop.customer.id, is_granted: false });
  expect(revoked.items.every((g: any) => !g.is_granted)).toBe(true);
  expect(granted.pagination.total_count + revoked.pagination.total_count).toBe((await grantsOf(shop)).length);
  const perBenefit = await shop.polar.benefits.grants(shop.benefits[0].id, {});
  expectMatchesSpec('/v1/benefits/{id}/grants', 'get', 200, perBenefit);
  expect(perBenefit.items.every((g: any) => g.benefit_id === shop.benefits[0].id)).toBe(true);
});

test("another organization's orders, subscriptions and grants are invisible", async () => {
  const other = await createShop(stack, 1);
  const mine = await shop.polar.orders.list({});
  const id = mine.items[0].id;
  expect((await stack.http('GET', `/v1/orders/${id}`, { token: other.token })).status).toBe(404);
  expect((await other.polar.orders.list({})).items).toHaveLength(0);
  expect((await other.polar.benefitGrants.list({})).items).toHaveLength(0);
  const res = await stack.http('POST', '/v1/orders/', {
    token: other.token,
    body: { customer_id: shop.customer.id, product_id: shop.oneTime.id },
  });
  expect(res.status).toBe(422);
  expect(res.body.detail[0].loc).toEqual(['body', 'product_id']);
});

test('bad input answers 4xx with the field at fault, never 500', async () => {
  const cases: [string, string, unknown, number, (string | number)[] | null][] = [
    ['POST', '/v1/orders/', { product_id: shop.oneTime.id }, 422, ['body', 'customer_id']],
    ['POST', '/v1/orders/', { customer_id: 'nope', product_id: shop.oneTime.id }, 422, ['body', 'customer_id']],
    ['POST', '/v1/orders/', { customer_id: shop.customer.id, product_id: shop.monthly.id }, 422, ['body', 'product_id']],
    // Product and customer are looked up side by side; the product is reported first, every time.
    ['POST', '/v1/orders/', { customer_id: randomUUID(), product_id: randomUUID() }, 422, ['body', 'product_id']],
    ['POST', '/v1/orders/', { customer_id: randomUUID(), product_id: shop.oneTime.id }, 422, ['body', 'customer_id']],
    ['POST', '/v1/subscriptions/', { customer_id: shop.customer.id, product_id: shop.oneTime.id }, 422, ['body', 'product_id']],
    ['PATCH', `/v1/subscriptions/${shop.customer.id}`, { cancel_at_period_end: true }, 404, null],
    ['PATCH', '/v1/subscriptions/not-a-uuid', { cancel_at_period_end: true }, 404, null],
    ['POST', '/v1/refunds/', { order_id: shop.customer.id, reason: 'other', amount: 1 }, 422, ['body', 'order_id']],
    ['GET', '/v1/benefit-grants/?sorting=nope', undefined, 422, ['query', 'sorting', 0]],
    ['GET', '/v1/orders/?limit=101', undefined, 422, ['query', 'limit']],
  ];
  const ordersBefore = (await shop.polar.orders.list({})).pagination.totalCount;
  for (const [method, path, body, status, loc] of cases) {
    const res = await stack.http(method, path, { token: shop.token, body });
    expect({ path, status: res.status }).toEqual({ path, status });
    if (loc) expect(res.body.detail[0].loc).toEqual(loc);
  }
  // Refused purchases wrote nothing.
  expect((await shop.polar.orders.list({})).pagination.totalCount).toBe(ordersBefore);
  const malformed = await stack.http('POST', '/v1/orders/', {
    token: shop.token,
    body: '{"customer_id":',
    headers: { 'content-type': 'application/json' },
  });
  expect(malformed.status).toBe(422);
  const anonymous = await stack.http('GET', '/v1/orders/');
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.error).toBe('Unauthorized');
});
