// The whole path: HTTP (official SDK) -> workflow -> activity writes PostgreSQL -> HTTP read.
import { eventually, startTestStack, TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

test('a paid order grants every benefit of the product, visible through the API', async () => {
  const { accessToken } = await stack.createOrganization('E2E shop');
  const polar = stack.polar(accessToken);
  const flag = await polar.benefits.create({ type: 'feature_flag', description: 'Premium features', properties: {} });
  const custom = await polar.benefits.create({ type: 'custom', description: 'Onboarding call', properties: { note: 'Book at cal.com/x' } });
  const product = await polar.products.create({
    name: 'Pro',
    prices: [{ amount_type: 'fixed', price_amount: 4900, price_currency: 'usd' }],
  });
  await polar.products.updateBenefits(product.id, { benefits: [flag.id, custom.id] });
  const customer = await polar.customers.create({ email: 'ada@example.com', name: 'Ada' });

  const order = await polar.orders.create({ customer_id: customer.id, product_id: product.id });
  expectMatchesSpec('/v1/orders/', 'post', 201, order);
  expect(order.billing_reason).toBe('purchase');

  const grants = await eventually(async () => {
    const page = await polar.benefitGrants.list({ customer_id: customer.id, is_granted: true });
    return page.items.length === 2 ? page : null;
  });
  expectMatchesSpec('/v1/benefit-grants/', 'get', 200, grants);
  expect(grants.items.map((g: any) => g.benefit_id).sort()).toEqual([flag.id, custom.id].sort());
  expect(grants.items.every((g: any) => g.order_id === order.id && g.granted_at)).toBe(true);

  const state = await polar.customers.getState(customer.id);
  expect(state.granted_benefits.map((g: any) => g.benefit_id).sort()).toEqual([flag.id, custom.id].sort());
});
