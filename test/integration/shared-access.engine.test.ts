// Two sources of one benefit (a purchase and a subscription) share the customer's external
// access: ending one keeps it, ending the last removes it. Real API, workflows, activities and
// PostgreSQL; a recording provider stands in for the benefit type's external system.
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import type { BenefitStrategy } from '../../benefits/strategy';
import { createShop, grantsOf } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';

/** The external system: who has access, and every call it received. */
class SharedAccessProvider {
  readonly calls: { kind: 'grant' | 'revoke' | 'keep'; grantId: string }[] = [];
  readonly access = new Set<string>();
  /** How long the provider takes to answer a revoke. */
  revokeLatencyMs = 0;

  strategy(): BenefitStrategy<any> {
    return {
      ...customStrategy,
      // A provider stand-in (its calls are what the test watches): locked commands.
      computedOnly: false,
      sharedAccess: true,
      grant: async (ctx) => {
        this.calls.push({ kind: 'grant', grantId: ctx.grant.id });
        this.access.add(`${ctx.customer.id}:${ctx.benefit.id}`);
        return { properties: {} };
      },
      revoke: async (ctx) => {
        await new Promise((r) => setTimeout(r, this.revokeLatencyMs));
        // What a GitHub or Discord strategy does: leave access alone while another source holds it.
        this.calls.push({ kind: ctx.stillHeldElsewhere ? 'keep' : 'revoke', grantId: ctx.grant.id });
        if (!ctx.stillHeldElsewhere) this.access.delete(`${ctx.customer.id}:${ctx.benefit.id}`);
        return { properties: {} };
      },
    };
  }
}

const provider = new SharedAccessProvider();
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ deps: { registry: { ...strategies, custom: provider.strategy() } } });
});
afterAll(async () => stack?.close());

async function bothSourcesGranted(shop: Awaited<ReturnType<typeof createShop>>) {
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const created = await stack.http('POST', '/v1/subscriptions/', {
    token: shop.token,
    body: { customer_id: shop.customer.id, product_id: shop.monthly.id },
  });
  expect(created.status).toBe(201);
  const subscriptionId = created.body.id as string;
  const [fromOrder, fromSubscription] = await eventually(async () => {
    const granted = await grantsOf(shop, { is_granted: true });
    if (granted.length !== 2) return null;
    return [granted.find((g) => g.order_id === order.id), granted.find((g) => g.subscription_id === subscriptionId)];
  });
  expect(fromOrder && fromSubscription).toBeTruthy();
  return { order, subscriptionId, fromOrder, fromSubscription };
}

test('access held by a purchase and a subscription ends only when both have ended', async () => {
  const shop = await createShop(stack, 1);
  const key = `${shop.customer.id}:${shop.benefits[0].id}`;
  const { order, subscriptionId, fromOrder, fromSubscription } = await bothSourcesGranted(shop);
  expect(provider.access.has(key)).toBe(true);

  // The subscription ends: its grant is revoked, the purchase still holds access.
  expect((await stack.http('DELETE', `/v1/subscriptions/${subscriptionId}`, { token: shop.token })).status).toBe(200);
  await eventually(async () => (await grantsOf(shop, { is_granted: false })).some((g) => g.id === fromSubscription.id && g.is_revoked));
  expect(provider.access.has(key)).toBe(true);
  expect(provider.calls.filter((c) => c.kind === 'revoke')).toEqual([]);

  // The purchase is refunded with its benefits: the last source is gone, so is access.
  const refund = await stack.http('POST', '/v1/refunds/', {
    token: shop.token,
    body: { order_id: order.id, amount: 1000, reason: 'customer_request', revoke_benefits: true },
  });
  expect(refund.status).toBe(201);
  const grants = await eventually(async () => {
    const all = await grantsOf(shop);
    return all.every((g) => g.is_revoked) ? all : null;
  });
  expect(grants).toHaveLength(2);
  expect(provider.access.has(key)).toBe(false);
  const mine = new Set([fromOrder.id, fromSubscription.id]);
  const label = (c: { kind: string; grantId: string }) => `${c.kind}:${c.grantId === fromOrder.id ? 'order' : 'subscription'}`;
  // In this order: the one external revoke came after the subscription's revoke kept access.
  expect(provider.calls.filter((c) => mine.has(c.grantId) && c.kind !== 'grant').map(label)).toEqual(['keep:subscription', 'revoke:order']);
});

test('both sources revoked at once (customer deleted) still remove access exactly once', async () => {
  provider.revokeLatencyMs = 300; // both revokes are in flight together
  const shop = await createShop(stack, 1);
  const key = `${shop.customer.id}:${shop.benefits[0].id}`;
  const { fromOrder, fromSubscription } = await bothSourcesGranted(shop);

  expect((await stack.http('DELETE', `/v1/customers/${shop.customer.id}`, { token: shop.token })).status).toBe(204);
  await eventually(async () => {
    const rows = await stack.dataSource.query(`SELECT revoked_at FROM benefit_grants WHERE id = ANY($1::uuid[])`, [
      [fromOrder.id, fromSubscription.id],
    ]);
    return rows.length === 2 && rows.every((r: any) => r.revoked_at !== null);
  });
  const mine = new Set([fromOrder.id, fromSubscription.id]);
  expect(
    provider.calls
      .filter((c) => mine.has(c.grantId) && c.kind !== 'grant')
      .map((c) => c.kind)
      .sort(),
  ).toEqual(['keep', 'revoke']);
  expect(provider.access.has(key)).toBe(false);
});
