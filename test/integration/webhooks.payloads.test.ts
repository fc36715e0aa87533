// Every event the service sends, driven through the API of a whole purchase and subscription life
// (buy, subscribe, cancel, uncancel, renew, change a benefit, refund, revoke): each request passes
// the official SDK's validateEvent and matches the spec's Webhook*Payload component.
import { envelope, payloadComponent, WebhookReceiver } from '../fakes/webhook-receiver';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { expectMatchesComponent } from '../support/spec-validator';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhooks } = require('@polar-sh/sdk/2026-10') as {
  webhooks: { validateEvent(body: string, headers: Record<string, string>, secret: string): Promise<any> };
};

const EMITTED = [
  'benefit.created',
  'benefit.updated',
  'benefit_grant.created',
  'benefit_grant.updated',
  'benefit_grant.cycled',
  'benefit_grant.revoked',
  'customer.state_changed',
  'order.created',
  'order.paid',
  'order.refunded',
  'subscription.created',
  'subscription.active',
  'subscription.updated',
  'subscription.canceled',
  'subscription.uncanceled',
  'subscription.revoked',
];

let stack: TestStack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const received = () => receiver.received('/all').map(envelope);
const count = (type: string, pred: (data: any) => boolean = () => true) => received().filter((e) => e.type === type && pred(e.data)).length;
const until = (type: string, n: number, pred?: (data: any) => boolean) => eventually(async () => count(type, pred) >= n, 20_000);

test('every event type we emit validates with the SDK and matches its spec payload', async () => {
  const { accessToken } = await stack.createOrganization('Payload shop');
  const polar = stack.polar(accessToken);
  const endpoint = await polar.webhooks.createWebhookEndpoint({ url: receiver.url('/all'), format: 'raw', events: EMITTED });

  const custom = await polar.benefits.create({ type: 'custom', description: 'Onboarding call', properties: { note: 'Book it' } });
  const keys = await polar.benefits.create({ type: 'license_keys', description: 'License key', properties: { prefix: 'SHOP' } });
  const price = [{ amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }];
  const oneTime = await polar.products.create({ name: 'Lifetime', prices: price });
  const monthly = await polar.products.create({ name: 'Monthly', recurring_interval: 'month', prices: price });
  await polar.products.updateBenefits(oneTime.id, { benefits: [custom.id, keys.id] });
  await polar.products.updateBenefits(monthly.id, { benefits: [custom.id, keys.id] });
  const customer = await polar.customers.create({ email: 'payloads@example.com', name: 'Payloads' });

  const order = await polar.orders.create({ customer_id: customer.id, product_id: oneTime.id });
  await until('benefit_grant.created', 2, (g) => g.order_id === order.id);

  const sub = await polar.subscriptions.create({ customer_id: customer.id, product_id: monthly.id });
  await until('benefit_grant.created', 2, (g) => g.subscription_id === sub.id);
  await polar.subscriptions.update(sub.id, { cancel_at_period_end: true });
  await polar.subscriptions.update(sub.id, { cancel_at_period_end: false });
  await polar.orders.create({
    customer_id: customer.id,
    product_id: monthly.id,
    subscription_id: sub.id,
    billing_reason: 'subscription_cycle',
  });
  await until('benefit_grant.cycled', 2);

  // A change the license key strategy says matters to existing grants.
  await polar.benefits.update(keys.id, {
    type: 'license_keys',
    properties: { prefix: 'SHOP', activations: { limit: 3, enable_customer_admin: false } },
  });
  await until('benefit_grant.updated', 2, (g) => g.benefit_id === keys.id);

  await polar.refunds.create({ order_id: order.id, reason: 'customer_request', amount: 1000, revoke_benefits: true });
  await until('benefit_grant.revoked', 2, (g) => g.order_id === order.id);
  await polar.subscriptions.revoke(sub.id);
  await until('subscription.revoked', 1);
  await until('benefit_grant.revoked', 2, (g) => g.subscription_id === sub.id);
  await eventually(async () => EMITTED.every((t) => count(t) > 0), 20_000);
  // The customer state is queued with each grant change, after it: the last one shows nothing left.
  await eventually(
    async () =>
      received()
        .filter((e) => e.type === 'customer.state_changed')
        .at(-1)!.data.granted_benefits.length === 0,
  );

  for (const request of receiver.received('/all')) {
    const event = await webhooks.validateEvent(request.body, request.headers, endpoint.secret);
    expectMatchesComponent(payloadComponent(event.type), event);
  }

  // Spot checks of what the payloads say, beyond their shape.
  const last = (type: string) =>
    received()
      .filter((e) => e.type === type)
      .at(-1)!.data;
  expect(last('order.refunded')).toMatchObject({ id: order.id, status: 'refunded' });
  expect(last('subscription.revoked')).toMatchObject({ id: sub.id, status: 'canceled' });
  expect(last('subscription.uncanceled')).toMatchObject({ id: sub.id, cancel_at_period_end: false });
  const updated = received().filter((e) => e.type === 'benefit_grant.updated' && e.data.benefit_id === keys.id)[0].data;
  expect(updated.benefit.properties.activations).toMatchObject({ limit: 3 });
  expect(updated.previous_properties).toEqual(expect.objectContaining({ license_key_id: updated.properties.license_key_id }));
  const revoked = last('benefit_grant.revoked');
  expect(revoked).toMatchObject({ is_revoked: true, subscription_id: sub.id });
});

test("a purchase's order.created and order.paid carry what its response and GET show; a retry sends none", async () => {
  const { accessToken, organizationId } = await stack.createOrganization('Purchase payload shop');
  const polar = stack.polar(accessToken);
  await polar.webhooks.createWebhookEndpoint({ url: receiver.url('/orders'), format: 'raw', events: ['order.created', 'order.paid'] });
  const custom = await polar.benefits.create({ type: 'custom', description: 'Onboarding call', properties: { note: 'Book it' } });
  const product = await polar.products.create({
    name: 'Lifetime',
    prices: [{ amount_type: 'fixed', price_amount: 2500, price_currency: 'usd' }],
  });
  await polar.products.updateBenefits(product.id, { benefits: [custom.id] });
  const customer = await polar.customers.create({ email: 'purchase-payload@example.com', name: 'Purchase' });

  const body = { customer_id: customer.id, product_id: product.id, metadata: { ref: 'A-1' } };
  const first = await stack.http('POST', '/v1/orders/', { token: accessToken, body, headers: { 'idempotency-key': 'payload-1' } });
  const retried = await stack.http('POST', '/v1/orders/', { token: accessToken, body, headers: { 'idempotency-key': 'payload-1' } });
  expect([first.status, retried.status]).toEqual([201, 200]);
  const fetched = await stack.http('GET', `/v1/orders/${first.body.id}`, { token: accessToken });
  // What was stored reads back exactly as answered (the id and created_at are chosen before the write).
  expect(fetched.body).toEqual(first.body);
  expect(retried.body).toEqual(first.body);
  expect(first.body).toMatchObject({ subtotal_amount: 2500, status: 'paid', metadata: { ref: 'A-1' } });
  expect(first.body.product.benefits.map((b: { id: string }) => b.id)).toEqual([custom.id]);

  // Written once, though the order was posted twice; delivered in order.
  const written = await stack.dataSource.query(`SELECT type, payload FROM webhook_events WHERE organization_id = $1 ORDER BY created_at`, [
    organizationId,
  ]);
  expect(written.map((e: { type: string }) => e.type)).toEqual(['order.created', 'order.paid']);
  // Stored as the API wrote it: compact, its keys in the API's order, with nothing re-rendered on
  // the way (each payload is signed and sent as stored).
  for (const e of written as { type: string; payload: string }[]) {
    expect(e.payload).toBe(JSON.stringify(JSON.parse(e.payload)));
    expect(Object.keys(JSON.parse(e.payload))).toEqual(['type', 'timestamp', 'data']);
    expect(JSON.parse(e.payload).type).toBe(e.type);
  }
  const events = () => receiver.received('/orders').map(envelope);
  await eventually(async () => events().length >= 2, 20_000);
  expect(events().map((e) => e.type)).toEqual(['order.created', 'order.paid']);
  for (const e of events()) expect(e.data).toEqual(first.body);
});
