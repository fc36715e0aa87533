// Builders for license key tests: an organization selling a license_keys benefit (one-time and
// monthly products), and purchases whose key is read back once the grant has issued it.
import { settled } from './fixtures';
import { eventually, type TestStack } from './harness';

export interface LicenseShop {
  stack: TestStack;
  token: string;
  organizationId: string;
  polar: any;
  benefit: any;
  oneTime: { id: string };
  monthly: { id: string };
  customer: { id: string; email: string };
}

let seq = 0;

export async function createLicenseShop(stack: TestStack, properties: Record<string, unknown> = {}): Promise<LicenseShop> {
  const n = ++seq;
  const { accessToken, organizationId } = await stack.createOrganization(`License shop ${n}`);
  const polar = stack.polar(accessToken);
  const benefit = await polar.benefits.create({ type: 'license_keys', description: `License ${n}`, properties });
  const price = [{ amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }];
  const oneTime = await polar.products.create({ name: 'Lifetime', prices: price });
  const monthly = await polar.products.create({ name: 'Monthly', recurring_interval: 'month', prices: price });
  await polar.products.updateBenefits(oneTime.id, { benefits: [benefit.id] });
  await polar.products.updateBenefits(monthly.id, { benefits: [benefit.id] });
  await settled(stack, organizationId);
  const customer = await polar.customers.create({ email: `licensee${n}-${process.pid}@example.com`, name: 'Licensee' });
  return { stack, token: accessToken, organizationId, polar, benefit, oneTime, monthly, customer };
}

/** The key issued for a grant scope (an order or a subscription), once its grant has run. */
export async function keyOfScope(shop: LicenseShop, scope: { orderId?: string; subscriptionId?: string }): Promise<any> {
  const id = await eventually(async () => {
    const rows = await shop.stack.dataSource.query(
      `SELECT lk.id FROM license_keys lk JOIN benefit_grants g ON g.id = lk.grant_id
        WHERE g.order_id IS NOT DISTINCT FROM $1 AND g.subscription_id IS NOT DISTINCT FROM $2 AND g.granted_at IS NOT NULL`,
      [scope.orderId ?? null, scope.subscriptionId ?? null],
    );
    return rows[0]?.id as string | undefined;
  });
  return shop.polar.licenseKeys.get(id);
}

/** Buys the one-time product and returns the order and its license key (LicenseKeyWithActivations). */
export async function buyKey(shop: LicenseShop, customerId = shop.customer.id): Promise<{ order: any; key: any }> {
  const order = await shop.polar.orders.create({ customer_id: customerId, product_id: shop.oneTime.id });
  return { order, key: await keyOfScope(shop, { orderId: order.id }) };
}

/** Calls that must fail: the status and parsed body the SDK error carries. */
export { failure } from './two-organizations';

/** Sets columns of a key directly (states the API reaches only through time or other actors). */
export async function setKey(shop: LicenseShop, keyId: string, columns: Record<string, unknown>): Promise<void> {
  const names = Object.keys(columns);
  await shop.stack.dataSource.query(`UPDATE license_keys SET ${names.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [
    keyId,
    ...names.map((c) => columns[c]),
  ]);
}
