// The meter_credit benefit end to end (API, workflows, activities, PostgreSQL): credits on grant,
// usage, renewal with and without rollover, two benefits on one meter adding up, an edit of
// units applying from the next cycle, a cycle delivered twice crediting once, revoke, and the
// balances as the organization, the customer state, the subscription and the portal show them.
import { eventually, startTestStack, TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

async function setup() {
  const { accessToken, organizationId } = await stack.createOrganization(`Credits ${Date.now()}`);
  const polar = stack.polar(accessToken);
  await polar.webhooks.createWebhookEndpoint({
    url: 'https://hooks.example.com/polar',
    format: 'raw',
    events: ['benefit_grant.cycled', 'customer.state_changed'],
  });
  const use = { conjunction: 'and', clauses: [{ property: 'name', operator: 'eq', value: 'use' }] };
  const m1 = await polar.meters.create({ name: 'Requests', filter: use, aggregation: { func: 'count' } });
  const m2 = await polar.meters.create({ name: 'Requests (rollover)', filter: use, aggregation: { func: 'count' } });
  const credit = (meter: any, units: number, rollover: boolean) =>
    polar.benefits.create({
      type: 'meter_credit',
      description: `${units} on ${meter.name}`,
      properties: { meter_id: meter.id, units, rollover },
    });
  const a = await credit(m1, 100, false);
  const b = await credit(m2, 50, true);
  const c = await credit(m1, 20, false);
  expect(a.properties).toEqual({ meter_id: m1.id, units: 100, rollover: false });
  const price = [{ amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }];
  const monthly = await polar.products.create({ name: 'Monthly', recurring_interval: 'month', prices: price });
  await polar.products.updateBenefits(monthly.id, { benefits: [a.id, b.id, c.id] });
  const customer = await polar.customers.create({ email: `credits-${Date.now()}@example.com`, name: 'Buyer' });
  return { token: accessToken, organizationId, polar, m1, m2, a, b, c, monthly, customer };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function balances(s: Setup): Promise<Record<string, [number, number, number]>> {
  const page = await s.polar.customerMeters.list({ customer_id: s.customer.id, limit: 100 });
  const of = (m: any) => page.items.find((i: any) => i.meter_id === m.id);
  const f = (i: any) =>
    i ? ([i.credited_units, i.consumed_units, i.balance] as [number, number, number]) : ([0, 0, 0] as [number, number, number]);
  return { m1: f(of(s.m1)), m2: f(of(s.m2)) };
}

async function until(s: Setup, expected: Record<string, [number, number, number]>) {
  await eventually(async () => JSON.stringify(await balances(s)) === JSON.stringify(expected)).catch(async () => {
    expect(await balances(s)).toEqual(expected);
  });
}

async function use(s: Setup, n: number) {
  const events = Array.from({ length: n }, () => ({ name: 'use', customer_id: s.customer.id }));
  expect((await s.polar.events.ingest({ events })).inserted).toBe(n);
}

async function renew(s: Setup, subscriptionId: string) {
  await s.polar.orders.create({
    customer_id: s.customer.id,
    product_id: s.monthly.id,
    subscription_id: subscriptionId,
    billing_reason: 'subscription_cycle',
  });
}

async function grants(s: Setup, subscriptionId: string) {
  const page = await s.polar.benefitGrants.list({ customer_id: s.customer.id, limit: 100 });
  return page.items.filter((g: any) => g.subscription_id === subscriptionId);
}

test('credits on grant, usage, renewal with and without rollover, edit, a repeated cycle, revoke', async () => {
  const s = await setup();
  const sub = await s.polar.subscriptions.create({ customer_id: s.customer.id, product_id: s.monthly.id });
  // Two benefits on one meter add up.
  await until(s, { m1: [120, 0, 120], m2: [50, 0, 50] });
  const granted = await grants(s, sub.id);
  const grantA = granted.find((g: any) => g.benefit_id === s.a.id);
  expect(grantA.properties).toMatchObject({ last_credited_meter_id: s.m1.id, last_credited_units: 100 });
  expect(Date.parse(grantA.properties.last_credited_at)).toBeGreaterThan(0);

  await use(s, 30);
  await until(s, { m1: [120, 30, 90], m2: [50, 30, 20] });

  // Renewal: m1 (no rollover) resets once and gets both credits; m2 credits on top of what is left.
  await renew(s, sub.id);
  await until(s, { m1: [120, 0, 120], m2: [100, 30, 70] });

  // An edit of units changes nothing credited; the next cycle credits the new figure.
  await s.polar.benefits.update(s.a.id, { type: 'meter_credit', properties: { meter_id: s.m1.id, units: 200, rollover: false } });
  await use(s, 5);
  await new Promise((r) => setTimeout(r, 500));
  expect(await balances(s)).toEqual({ m1: [120, 5, 115], m2: [100, 35, 65] });
  await renew(s, sub.id);
  await until(s, { m1: [220, 0, 220], m2: [150, 35, 115] });

  // The same cycle delivered again (a retried activity, a repeated command): credited once.
  for (const g of await grants(s, sub.id)) {
    const input = {
      grantId: g.id,
      organizationId: s.organizationId,
      customerId: s.customer.id,
      benefitId: g.benefit_id,
      benefitType: 'meter_credit',
    };
    await stack.engine.commandGrantAndWait(input, { action: 'cycle', cycleKey: `${sub.id}:renewal:2` });
  }
  expect(await balances(s)).toEqual({ m1: [220, 0, 220], m2: [150, 35, 115] });

  const state = await s.polar.customers.getState(s.customer.id);
  expect(state.active_meters.map((m: any) => [m.meter_id, m.balance]).sort()).toEqual(
    [
      [s.m1.id, 220],
      [s.m2.id, 115],
    ].sort(),
  );
  const view = await s.polar.subscriptions.get(sub.id);
  expectMatchesSpec('/v1/subscriptions/{id}', 'get', 200, view);
  expect(view.meters.map((m: any) => [m.meter_id, m.credited_units]).sort()).toEqual(
    [
      [s.m1.id, 220],
      [s.m2.id, 150],
    ].sort(),
  );

  const session = await s.polar.customerSessions.create({ customer_id: s.customer.id });
  const portal = stack.polar(session.token);
  const mine = await portal.customerPortal.customerMeters.list({});
  expectMatchesSpec('/v1/customer-portal/meters/', 'get', 200, mine);
  expect(mine.items).toHaveLength(2);
  expect(mine.items[0].meter).not.toHaveProperty('filter');
  const one = await portal.customerPortal.customerMeters.get(mine.items[0].id);
  expectMatchesSpec('/v1/customer-portal/meters/{id}', 'get', 200, one);

  const system = await s.polar.events.list({ customer_id: s.customer.id, source: 'system', limit: 100 });
  const names = system.items.map((e: any) => e.name);
  expect(names.filter((n: string) => n === 'meter.reset')).toHaveLength(2);
  expect(names.filter((n: string) => n === 'meter.credited')).toHaveLength(9);
  const credited = system.items.find((e: any) => e.name === 'meter.credited');
  expectMatchesSpec('/v1/events/{id}', 'get', 200, credited);

  const hooks = await stack.dataSource.query(
    `SELECT type, count(*)::int AS n FROM webhook_events WHERE organization_id = $1 GROUP BY type`,
    [s.organizationId],
  );
  const count = Object.fromEntries(hooks.map((h: any) => [h.type, h.n]));
  expect(count['benefit_grant.cycled']).toBeGreaterThanOrEqual(6);
  expect(count['customer.state_changed']).toBeGreaterThan(0);

  // Revoke: each grant takes back the units it last credited.
  expect((await stack.http('DELETE', `/v1/subscriptions/${sub.id}`, { token: s.token })).status).toBe(200);
  await until(s, { m1: [0, 0, 0], m2: [100, 35, 65] });
});
