// Webhook destinations a merchant may not reach: with WEBHOOK_ALLOW_PRIVATE_NETWORKS off, a
// delivery to loopback (by literal, by a name resolving to it, as an IPv4-mapped IPv6 literal) is
// refused at connect time, recorded as refused and not retried; endpoints accept only http(s)
// URLs, and an organization has a bounded number of them.
import { WebhookReceiver } from '../fakes/webhook-receiver';
import { eventually, startTestStack, type TestStack } from '../support/harness';

let stack: TestStack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  stack = await startTestStack({ deps: { webhookAllowPrivateNetworks: false } });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const port = () => new URL(receiver.baseUrl).port;

test.each([
  ['a loopback literal', () => `http://127.0.0.1:${port()}/literal`],
  ['a name that resolves to loopback', () => `http://localhost:${port()}/name`],
  ['an IPv4-mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${port()}/mapped`],
])('a delivery to %s is refused, recorded as refused and not retried', async (_name, url) => {
  const { accessToken } = await stack.createOrganization();
  const polar = stack.polar(accessToken);
  const endpoint = await polar.webhooks.createWebhookEndpoint({ url: url(), format: 'raw', events: ['benefit.created'] });
  await polar.benefits.create({ type: 'custom', description: 'Refused hook', properties: { note: null } });

  // The event fails at its first attempt: a refused destination is not worth nine more.
  const [event] = await eventually(async () => {
    const rows = await stack.dataSource.query(`SELECT succeeded FROM webhook_events WHERE endpoint_id = $1`, [endpoint.id]);
    return rows.length === 1 && rows[0].succeeded === false ? rows : null;
  });
  expect(event.succeeded).toBe(false);
  const page = await polar.webhooks.listWebhookDeliveries({ endpoint_id: endpoint.id });
  expect(page.items).toHaveLength(1);
  expect(page.items[0]).toMatchObject({ succeeded: false, http_code: null });
  expect(page.items[0].response).toMatch(/^refused: destination .* is not a public address; .*WEBHOOK_ALLOW_PRIVATE_NETWORKS=true/);
  expect(receiver.requests).toHaveLength(0);
});

test('an endpoint URL must be http or https (422 at body.url), on create and update', async () => {
  const { accessToken } = await stack.createOrganization();
  const token = accessToken;
  for (const url of ['ftp://example.com/hooks', 'file:///etc/passwd', 'gopher://example.com/']) {
    const res = await stack.http('POST', '/v1/webhooks/endpoints', { token, body: { url, format: 'raw', events: [] } });
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['body', 'url']);
  }
  const ok = await stack.http('POST', '/v1/webhooks/endpoints', {
    token,
    body: { url: 'https://example.com/hooks', format: 'raw', events: [] },
  });
  expect(ok.status).toBe(201);
  const bad = await stack.http('PATCH', `/v1/webhooks/endpoints/${ok.body.id}`, { token, body: { url: 'javascript:alert(1)' } });
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(['body', 'url']);
});

test('an organization has at most 50 endpoints (403 beyond); deleting one makes room', async () => {
  const { accessToken: token } = await stack.createOrganization();
  const create = (i: number) =>
    stack.http('POST', '/v1/webhooks/endpoints', { token, body: { url: `https://example.com/hooks/${i}`, format: 'raw', events: [] } });
  const created = await Promise.all(Array.from({ length: 50 }, (_, i) => create(i)));
  expect(created.map((r) => r.status)).toEqual(Array(50).fill(201));
  const beyond = await create(50);
  expect(beyond.status).toBe(403);
  expect(beyond.body).toMatchObject({ error: 'NotPermitted' });
  expect((await stack.http('DELETE', `/v1/webhooks/endpoints/${created[0].body.id}`, { token })).status).toBe(204);
  expect((await create(51)).status).toBe(201);
});
