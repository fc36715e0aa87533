// Small builders for API tests: an organization with benefits, products and a customer.
import { eventually, type TestStack } from './harness';

export interface Shop {
  token: string;
  organizationId: string;
  polar: any;
  benefits: { id: string }[];
  oneTime: { id: string };
  monthly: { id: string };
  customer: { id: string; email: string };
}

let seq = 0;

export async function createShop(stack: TestStack, benefitCount = 2): Promise<Shop> {
  const { accessToken, organizationId } = await stack.createOrganization(`Shop ${++seq}`);
  const polar = stack.polar(accessToken);
  const benefits = [];
  for (let i = 0; i < benefitCount; i++) {
    benefits.push(
      await polar.benefits.create({
        type: i % 2 ? 'feature_flag' : 'custom',
        description: `Benefit number ${i}`,
        properties: i % 2 ? {} : { note: `n${i}` },
      }),
    );
  }
  const price = [{ amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }];
  const oneTime = await polar.products.create({ name: 'Lifetime', prices: price });
  const monthly = await polar.products.create({ name: 'Monthly', recurring_interval: 'month', prices: price });
  await polar.products.updateBenefits(oneTime.id, { benefits: benefits.map((b) => b.id) });
  await polar.products.updateBenefits(monthly.id, { benefits: benefits.map((b) => b.id) });
  const customer = await polar.customers.create({ email: `buyer${seq}@example.com`, name: 'Buyer' });
  const shop = { token: accessToken, organizationId, polar, benefits, oneTime, monthly, customer };
  // A test's first order must not race the set-up's reconciles (they would grant it too).
  await settled(stack, organizationId);
  return shop;
}

/** Grants of a customer as the API lists them. */
export async function grantsOf(shop: Shop, filters: Record<string, unknown> = {}): Promise<any[]> {
  const page = await shop.polar.benefitGrants.list({ customer_id: shop.customer.id, limit: 100, ...filters });
  return page.items;
}

/** Buys the shop's one-time product and waits until all `count` grants of the customer are granted. */
export async function buyGranted(shop: Shop, count: number): Promise<{ order: any; grants: any[] }> {
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const grants = await eventually(async () => {
    const g = await grantsOf(shop, { is_granted: true });
    return g.length === count ? g : null;
  });
  return { order, grants };
}

/**
 * Waits until an organization's set-up has run its course in the engine: every engine command of the
 * organization dispatched (the API answers before the worker's dispatcher starts them) and its
 * fan-outs (the products' benefit reconciles) finished: a reconcile still running would also tell
 * a new order's grants to grant.
 */
export async function settled(stack: TestStack, organizationId: string): Promise<void> {
  // Without a dispatcher nothing starts the set-up's commands, and nothing can race them.
  if (!stack.dispatcher) return;
  await eventually(async () => {
    const [{ n }] = await stack.dataSource.query(
      `SELECT count(*)::int AS n FROM engine_commands WHERE organization_id = $1 AND dispatched_at IS NULL`,
      [organizationId],
    );
    return n === 0;
  });
  const fanOuts: { id: string }[] = await stack.dataSource.query(
    `SELECT payload->>'workflowId' AS id FROM engine_commands WHERE organization_id = $1 AND kind = 'fanOut'`,
    [organizationId],
  );
  for (const { id } of fanOuts) await stack.temporal.workflow.getHandle(id).result();
}
