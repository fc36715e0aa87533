// Webhook delivery end to end: real API, worker, PostgreSQL and Temporal; a local receiver stands
// in for the merchant and checks every request with the official SDK's validateEvent.
import { randomBytes } from 'node:crypto';
import { BenefitsRepository } from '../../db/repositories/benefits.repository';
import { envelope, payloadComponent, type ReceivedWebhook, WebhookReceiver } from '../fakes/webhook-receiver';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { expectMatchesComponent, expectMatchesSpec } from '../support/spec-validator';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhooks } = require('@polar-sh/sdk/2026-10') as {
  webhooks: { validateEvent(body: string, headers: Record<string, string>, secret: string): Promise<any> };
};

// Polar's WebhookEventType enum, as an endpoint subscribing to everything sends it.
const ALL_EVENTS = [
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
  'subscription.updated',
  'subscription.active',
  'subscription.canceled',
  'subscription.uncanceled',
  'subscription.revoked',
];
// Short enough to keep the timeout test fast, long enough for a local receiver on a busy machine.
const TIMEOUT_MS = 1_000;

let stack: TestStack;
let receiver: WebhookReceiver;
let sample: { request: ReceivedWebhook; secret: string } | undefined;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  stack = await startTestStack({ deps: { webhookTimeoutMs: TIMEOUT_MS } });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

/** An organization with an endpoint at `path` on the receiver. */
async function merchant(path: string, events: string[] = ALL_EVENTS) {
  const { accessToken, organizationId } = await stack.createOrganization(`Merchant ${path}`);
  const polar = stack.polar(accessToken);
  const endpoint = await polar.webhooks.createWebhookEndpoint({ url: receiver.url(path), format: 'raw', events });
  return { polar, organizationId, endpoint, secret: endpoint.secret as string };
}

const typesAt = (path: string) => receiver.received(path).map((r) => envelope(r).type);

async function deliveriesOf(polar: any, endpointId: string): Promise<any[]> {
  const page = await polar.webhooks.listWebhookDeliveries({ endpoint_id: endpointId, limit: 100 });
  expectMatchesSpec('/v1/webhooks/deliveries', 'get', 200, page);
  return [...page.items].sort((a, b) => a.created_at.localeCompare(b.created_at));
}

test('a purchase sends signed order, grant and customer state events, in creation order', async () => {
  const m = await merchant('/purchase');
  expect(m.secret).toMatch(/^whsec_/);
  const benefit = await m.polar.benefits.create({ type: 'custom', description: 'Onboarding call', properties: { note: 'Book it' } });
  const product = await m.polar.products.create({
    name: 'Course',
    prices: [{ amount_type: 'fixed', price_amount: 900, price_currency: 'usd' }],
  });
  await m.polar.products.updateBenefits(product.id, { benefits: [benefit.id] });
  const customer = await m.polar.customers.create({ email: 'buyer@example.com', name: 'Buyer' });
  const order = await m.polar.orders.create({ customer_id: customer.id, product_id: product.id });

  const wanted = ['order.created', 'order.paid', 'benefit_grant.created', 'customer.state_changed'];
  await eventually(async () => wanted.every((t) => typesAt('/purchase').includes(t)));
  for (const request of receiver.received('/purchase')) {
    const event = await webhooks.validateEvent(request.body, request.headers, m.secret);
    expect(event).toEqual(JSON.parse(request.body));
    expectMatchesComponent(payloadComponent(event.type), event);
  }
  const byType = (t: string) => envelope(receiver.received('/purchase').find((r) => envelope(r).type === t)!);
  expect(byType('order.paid').data.id).toBe(order.id);
  expect(byType('benefit_grant.created').data).toMatchObject({
    benefit_id: benefit.id,
    customer_id: customer.id,
    order_id: order.id,
    is_granted: true,
  });
  expect(byType('customer.state_changed').data.granted_benefits.map((g: any) => g.benefit_id)).toContain(benefit.id);
  sample = { request: receiver.received('/purchase')[0], secret: m.secret };

  // One request per event, in the order the events were written (order.created and order.paid
  // share a transaction, the grant and the customer state another).
  const written: { id: string; at: string }[] = await stack.dataSource.query(
    `SELECT id, created_at::text AS at FROM webhook_events WHERE endpoint_id = $1 ORDER BY created_at, id`,
    [m.endpoint.id],
  );
  expect(receiver.received('/purchase').map((r) => r.headers['webhook-id'])).toEqual(written.map((e) => e.id));
  expect(new Set(written.map((e) => e.at)).size).toBe(written.length); // no ties to break at random
  const types = typesAt('/purchase');
  expect(types.indexOf('benefit.created')).toBeLessThan(types.indexOf('order.created'));
  expect(types.indexOf('order.created')).toBeLessThan(types.indexOf('order.paid'));
  expect(types.indexOf('order.paid')).toBeLessThan(types.indexOf('benefit_grant.created'));
});

test('validateEvent rejects a tampered body, a wrong secret and a swapped id', async () => {
  const { request, secret } = sample!;
  await expect(webhooks.validateEvent(request.body, request.headers, secret)).resolves.toBeTruthy();
  const tampered = Buffer.from(request.body);
  tampered[tampered.length - 2] ^= 1;
  const reject = (body: string, headers: Record<string, string>, key: string) =>
    expect(webhooks.validateEvent(body, headers, key)).rejects.toMatchObject({ name: 'PolarWebhookVerificationError' });
  await reject(tampered.toString('utf8'), request.headers, secret);
  await reject(request.body, request.headers, `whsec_${randomBytes(32).toString('base64')}`);
  await reject(request.body, { ...request.headers, 'webhook-id': 'another-id' }, secret);
});

test('benefit.created, benefit.updated on update and on delete, written with the benefit', async () => {
  const m = await merchant('/benefits', ['benefit.created', 'benefit.updated']);
  const benefit = await m.polar.benefits.create({ type: 'feature_flag', description: 'Beta access', properties: {} });
  await m.polar.benefits.update(benefit.id, { type: 'feature_flag', description: 'Beta access v2' });
  await m.polar.benefits.delete(benefit.id);
  const requests = await receiver.waitFor('/benefits', 3);
  const events = await Promise.all(requests.map((r) => webhooks.validateEvent(r.body, r.headers, m.secret)));
  expect(events.map((e) => e.type)).toEqual(['benefit.created', 'benefit.updated', 'benefit.updated']);
  events.forEach((e) => expectMatchesComponent(payloadComponent(e.type), e));
  expect(events.map((e) => [e.data.id, e.data.description, e.data.is_deleted])).toEqual([
    [benefit.id, 'Beta access', false],
    [benefit.id, 'Beta access v2', false],
    [benefit.id, 'Beta access v2', true],
  ]);

  // The event shares the benefit's transaction: when the write fails, neither exists.
  const repo = new BenefitsRepository(stack.dataSource);
  const input = { type: 'feature_flag', description: 'Rolled back', metadata: {}, properties: {} };
  await expect(
    repo.create(m.organizationId, input, async (em, row) => {
      await em.query(`INSERT INTO webhook_events (organization_id, endpoint_id, type, payload) VALUES ($1, $2, 'benefit.created', $3)`, [
        m.organizationId,
        m.endpoint.id,
        JSON.stringify(row),
      ]);
      throw new Error('crash after the outbox write');
    }),
  ).rejects.toThrow('crash');
  const [left] = await stack.dataSource.query(
    `SELECT (SELECT count(*)::int FROM benefits WHERE description = 'Rolled back') AS benefits,
            (SELECT count(*)::int FROM webhook_events WHERE endpoint_id = $1) AS events`,
    [m.endpoint.id],
  );
  expect(left).toEqual({ benefits: 0, events: 3 });
});

test('a failing receiver gets retries (2 s, then 4 s) and later events wait for the event to succeed', async () => {
  const m = await merchant('/retry', ['benefit.created']);
  receiver.script('/retry', 500, 500);
  const first = await m.polar.benefits.create({ type: 'feature_flag', description: 'First', properties: {} });
  const second = await m.polar.benefits.create({ type: 'feature_flag', description: 'Second', properties: {} });
  const requests = await receiver.waitFor('/retry', 4, 15_000);
  expect(requests.map((r) => [envelope(r).data.id, r.answer])).toEqual([
    [first.id, 500],
    [first.id, 500],
    [first.id, 200],
    [second.id, 200],
  ]);
  const gaps = requests.slice(1, 3).map((r, i) => r.at - requests[i].at);
  expect(gaps[0]).toBeGreaterThanOrEqual(1_900);
  expect(gaps[1]).toBeGreaterThanOrEqual(3_900);
  expect(new Set(requests.slice(0, 3).map((r) => r.headers['webhook-id'])).size).toBe(1);

  const deliveries = await eventually(async () => {
    const all = await deliveriesOf(m.polar, m.endpoint.id);
    return all.length === 4 ? all : null;
  });
  const ofFirst = deliveries.filter((d) => JSON.parse(d.webhook_event.payload).data.id === first.id);
  expect(ofFirst.map((d) => [d.succeeded, d.http_code])).toEqual([
    [false, 500],
    [false, 500],
    [true, 200],
  ]);
  expect(ofFirst.every((d) => d.webhook_event.id === requests[0].headers['webhook-id'])).toBe(true);
  expect(ofFirst[2].webhook_event.succeeded).toBe(true);
  const filtered = await m.polar.webhooks.listWebhookDeliveries({ endpoint_id: m.endpoint.id, succeeded: false });
  expect(filtered.items).toHaveLength(2);
});

test('a receiver that does not answer in time counts as a failed attempt', async () => {
  const m = await merchant('/slow', ['benefit.created']);
  receiver.script('/slow', 'hang');
  await m.polar.benefits.create({ type: 'feature_flag', description: 'Slow', properties: {} });
  const [delivery] = await eventually(async () => {
    const all = await deliveriesOf(m.polar, m.endpoint.id);
    return all.length === 1 ? all : null;
  });
  expect(receiver.received('/slow').map((r) => r.answer)).toEqual(['hang']);
  expect(delivery).toMatchObject({ succeeded: false, http_code: null, response: 'request failed: timed out' });
  expect(delivery.webhook_event.succeeded).toBeNull(); // retried later (2 s), like any failure
  const [{ duration_ms }] = await stack.dataSource.query(`SELECT duration_ms FROM webhook_deliveries WHERE id = $1`, [delivery.id]);
  expect(duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
  expect(duration_ms).toBeLessThan(TIMEOUT_MS + 1_000);
});

test('redeliver sends the event again, signed, and is 404 for another organization', async () => {
  const m = await merchant('/redeliver', ['benefit.created']);
  const benefit = await m.polar.benefits.create({ type: 'feature_flag', description: 'Again', properties: {} });
  await receiver.waitFor('/redeliver', 1);
  const [delivery] = await eventually(async () => {
    const all = await deliveriesOf(m.polar, m.endpoint.id);
    return all.length === 1 ? all : null;
  });
  await m.polar.webhooks.redeliverWebhookEvent(delivery.webhook_event.id);
  const [original, again] = await receiver.waitFor('/redeliver', 2);
  expect(again.body).toBe(original.body);
  const event = await webhooks.validateEvent(again.body, again.headers, m.secret);
  expect(event.data.id).toBe(benefit.id);
  await eventually(async () => (await deliveriesOf(m.polar, m.endpoint.id)).length === 2);

  const other = await merchant('/other', ['benefit.created']);
  await expect(other.polar.webhooks.redeliverWebhookEvent(delivery.webhook_event.id)).rejects.toMatchObject({ statusCode: 404 });
});

test('disabling or deleting an endpoint skips what is still queued for it', async () => {
  const skipped = async (endpointId: string) => {
    const rows = await stack.dataSource.query(`SELECT skipped, succeeded FROM webhook_events WHERE endpoint_id = $1`, [endpointId]);
    return rows.length > 0 && rows.every((r: any) => r.skipped && r.succeeded === null);
  };
  const paused = await merchant('/paused', ['benefit.created']);
  receiver.script('/paused', 500);
  await paused.polar.benefits.create({ type: 'feature_flag', description: 'Paused', properties: {} });
  await receiver.waitFor('/paused', 1);
  const updated = await paused.polar.webhooks.updateWebhookEndpoint(paused.endpoint.id, { enabled: false });
  expect(updated.enabled).toBe(false);
  expect(await skipped(paused.endpoint.id)).toBe(true);

  const gone = await merchant('/gone', ['benefit.created']);
  receiver.script('/gone', 500);
  await gone.polar.benefits.create({ type: 'feature_flag', description: 'Gone', properties: {} });
  await receiver.waitFor('/gone', 1);
  await gone.polar.webhooks.deleteWebhookEndpoint(gone.endpoint.id);
  expect(await skipped(gone.endpoint.id)).toBe(true);
});
