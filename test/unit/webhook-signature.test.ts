// Our Standard Webhooks signatures as the official SDK's validateEvent checks them, for the
// secrets an endpoint can hold: generated `whsec_` ones and custom ones kept from a migration.
import { Webhook } from 'standardwebhooks';
import { signWebhook } from '../../activities/webhook.activities';
import { newWebhookSecret } from '../../api/routes/webhook-endpoints.routes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { webhooks } = require('@polar-sh/sdk/2026-10');

const body = JSON.stringify({ type: 'benefit.created', timestamp: '2026-01-01T00:00:00.000Z', data: { id: 'b1' } });

function signed(secret: string, id = 'evt_1') {
  const timestamp = Math.floor(Date.now() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) };
}

test.each([
  ['a generated whsec_ secret', newWebhookSecret()],
  ['a custom secret that is not base64', 'my own secret: kept from before!'],
  ['a custom secret made of base64 letters', 'abcdABCDabcdABCD'],
  ['a whsec_ secret whose rest is not base64', 'whsec_not base64 at all!'],
])('validateEvent accepts what we sign with %s', async (_name, secret) => {
  await expect(webhooks.validateEvent(body, signed(secret), secret)).resolves.toMatchObject({ type: 'benefit.created' });
});

test("standardwebhooks' own Webhook.verify accepts what we sign with a generated secret", () => {
  const secret = newWebhookSecret();
  expect(new Webhook(secret).verify(body, signed(secret))).toMatchObject({ type: 'benefit.created' });
  expect(() => new Webhook(newWebhookSecret()).verify(body, signed(secret))).toThrow(/No matching signature/);
});

test('another secret, another id or an old timestamp is rejected', async () => {
  const secret = newWebhookSecret();
  const headers = signed(secret);
  const rejected = { name: 'PolarWebhookVerificationError' };
  await expect(webhooks.validateEvent(body, headers, newWebhookSecret())).rejects.toMatchObject(rejected);
  await expect(webhooks.validateEvent(body, { ...headers, 'webhook-id': 'evt_2' }, secret)).rejects.toMatchObject(rejected);
  const old = Math.floor(Date.now() / 1000) - 600;
  const stale = { ...headers, 'webhook-timestamp': String(old), 'webhook-signature': signWebhook(secret, 'evt_1', old, body) };
  await expect(webhooks.validateEvent(body, stale, secret)).rejects.toMatchObject(rejected);
});
