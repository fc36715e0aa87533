// Webhook secrets are stored encrypted (AES-256-GCM under SECRET_ENCRYPTION_KEY): the row holds
// no usable secret, the merchant still reads the plain one, deliveries still verify with it, rows
// stored in clear before are sealed by the worker's startup pass, and production will not start
// without a key.
import { ConfigError, parseConfig, requireEncryptionKey } from '../../config/config';
import { WebhookEndpointsRepository } from '../../db/repositories/webhook-endpoints.repository';
import { SecretBox } from '../../lib/secret-box';
import { WebhookReceiver } from '../fakes/webhook-receiver';
import { eventually, startTestStack, type TestStack } from '../support/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhooks } = require('@polar-sh/sdk/2026-10') as {
  webhooks: { validateEvent(body: string, headers: Record<string, string>, secret: string): Promise<any> };
};

const KEY = 'fixed-test-encryption-key-of-32-chars-or-more';
const box = new SecretBox(KEY);

let stack: TestStack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  stack = await startTestStack({ deps: { secretBox: box }, env: { SECRET_ENCRYPTION_KEY: KEY } });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const keyed = (method: string, path: string, token: string, body?: unknown) =>
  stack.http(method, path, { token, body }).then(({ status, body: b }) => ({ status, body: b }));

const storedSecret = async (id: string): Promise<string> =>
  (await stack.dataSource.query(`SELECT secret FROM webhook_endpoints WHERE id = $1`, [id]))[0].secret;

async function expectDeliveryVerifies(token: string, path: string, secret: string): Promise<void> {
  await keyed('POST', '/v1/benefits/', token, { type: 'custom', description: 'Sealed hook', properties: { note: null } });
  const [request] = await eventually(async () => (receiver.received(path).length > 0 ? receiver.received(path) : null));
  await expect(webhooks.validateEvent(request.body, request.headers, secret)).resolves.toMatchObject({ type: 'benefit.created' });
}

test('a new endpoint stores its secret sealed; the merchant reads it plain and deliveries verify with it', async () => {
  const { accessToken } = await stack.createOrganization();
  const created = await keyed('POST', '/v1/webhooks/endpoints', accessToken, {
    url: receiver.url('/sealed'),
    format: 'raw',
    events: ['benefit.created'],
  });
  expect(created.status).toBe(201);
  const secret: string = created.body.secret;
  expect(secret).toMatch(/^whsec_/);

  const stored = await storedSecret(created.body.id);
  expect(stored).toMatch(/^enc:v1:/);
  expect(stored).not.toContain(secret.slice(6));
  expect(() => new SecretBox('another-key-that-is-also-32-chars-long').open(stored, 'webhook-endpoint-secret')).toThrow();

  expect((await keyed('GET', `/v1/webhooks/endpoints/${created.body.id}`, accessToken)).body.secret).toBe(secret);
  await expectDeliveryVerifies(accessToken, '/sealed', secret);

  const reset = await keyed('PATCH', `/v1/webhooks/endpoints/${created.body.id}/secret`, accessToken);
  expect(reset.body.secret).not.toBe(secret);
  expect(await storedSecret(created.body.id)).toMatch(/^enc:v1:/);
});

test('a secret stored in clear before encryption is sealed by the startup pass and keeps working', async () => {
  const { accessToken, organizationId } = await stack.createOrganization();
  const legacy = await new WebhookEndpointsRepository(stack.dataSource).create(
    organizationId,
    {
      url: receiver.url('/legacy'),
      name: null,
      format: 'raw',
      events: ['benefit.created'],
      secret: 'whsec_bGVnYWN5LXNlY3JldC1rZXB0LWluLWNsZWFy',
    },
    50,
  );
  expect(await storedSecret(legacy!.id)).toBe('whsec_bGVnYWN5LXNlY3JldC1rZXB0LWluLWNsZWFy');

  expect(await new WebhookEndpointsRepository(stack.dataSource, box).sealPlaintextSecrets()).toBeGreaterThanOrEqual(1);
  expect(await storedSecret(legacy!.id)).toMatch(/^enc:v1:/);
  expect((await keyed('GET', `/v1/webhooks/endpoints/${legacy!.id}`, accessToken)).body.secret).toBe(
    'whsec_bGVnYWN5LXNlY3JldC1rZXB0LWluLWNsZWFy',
  );
  await expectDeliveryVerifies(accessToken, '/legacy', 'whsec_bGVnYWN5LXNlY3JldC1rZXB0LWluLWNsZWFy');
});

test('production does not start without SECRET_ENCRYPTION_KEY', () => {
  expect(() => requireEncryptionKey(parseConfig({ NODE_ENV: 'production' }))).toThrow(ConfigError);
  expect(() => requireEncryptionKey(parseConfig({ NODE_ENV: 'production' }))).toThrow(/SECRET_ENCRYPTION_KEY/);
  expect(() => requireEncryptionKey(parseConfig({ NODE_ENV: 'production', SECRET_ENCRYPTION_KEY: KEY }))).not.toThrow();
  expect(() => requireEncryptionKey(parseConfig({ NODE_ENV: 'development' }))).not.toThrow();
});
