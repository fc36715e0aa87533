// Offline license certificates through the API: per-organization Ed25519 keys (private half
// encrypted at rest), certificates that verify with the published key alone, tamper detection,
// and no certificate for a key that is not granted.
import type { Server } from 'node:http';
import { createApp } from '../../api/app';
import { parseConfig } from '../../config/config';
import { decryptPrivateKey, verifyLicenseCertificate } from '../../benefits/license-keys/license-certificates';
import { createLogger } from '../../lib/logger';
import { startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop, LicenseShop, setKey } from '../support/license-keys.fixtures';

const SECRET = 'test-secret-encryption-key-of-32-chars-or-more';

let stack: TestStack;
let server: Server;
let base: string;
let shop: LicenseShop;

beforeAll(async () => {
  stack = await startTestStack();
  const config = parseConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: stack.taskQueue, SECRET_ENCRYPTION_KEY: SECRET });
  const app = createApp({ config, logger: createLogger('silent', 'test'), dataSource: stack.dataSource, temporal: stack.temporal });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  shop = await createLicenseShop(stack, { expires: { ttl: 3, timeframe: 'day' }, activations: { limit: 2, enable_customer_admin: false } });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await stack?.close();
});

async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('each organization gets one signing key, published, its private half encrypted at rest', async () => {
  const own = await call('GET', '/v1/license-keys/signing-key', { token: shop.token });
  expect(own.status).toBe(200);
  expect(own.body).toMatchObject({
    organization_id: shop.organizationId,
    algorithm: 'Ed25519',
    public_key_jwk: { kty: 'OKP', crv: 'Ed25519' },
  });
  expect(own.body.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  const published = await call('GET', `/v1/customer-portal/license-keys/signing-key?organization_id=${shop.organizationId}`);
  expect(published.body).toEqual(own.body);
  expect(
    (await call('GET', '/v1/customer-portal/license-keys/signing-key?organization_id=00000000-0000-4000-8000-000000000000')).status,
  ).toBe(404);

  const [row] = await stack.dataSource.query(`SELECT * FROM organization_signing_keys WHERE organization_id = $1`, [shop.organizationId]);
  expect(row.private_key_encrypted).not.toMatch(/PRIVATE KEY/);
  expect(() => decryptPrivateKey('another-secret-that-is-at-least-32-chars', shop.organizationId, row.private_key_encrypted)).toThrow();
  expect(decryptPrivateKey(SECRET, shop.organizationId, row.private_key_encrypted).length).toBeGreaterThan(32);

  const other = await stack.createOrganization();
  const theirs = await call('GET', '/v1/license-keys/signing-key', { token: other.accessToken });
  expect(theirs.body.key_id).not.toBe(own.body.key_id);
});

test('a certificate verifies offline with the public key and carries the key state and activation', async () => {
  const { key } = await buyKey(shop);
  const activation = await shop.polar.licenseKeys.activate({
    key: key.key,
    organization_id: shop.organizationId,
    label: 'studio',
    conditions: { host: 'h1' },
  });
  const res = await call('POST', `/v1/license-keys/${key.id}/certificate`, {
    token: shop.token,
    body: { activation_id: activation.id, validity_days: 30 },
  });
  expect(res.status).toBe(200);
  const { public_key, public_key_jwk } = (await call('GET', '/v1/license-keys/signing-key', { token: shop.token })).body;

  const result = verifyLicenseCertificate(res.body.certificate, public_key, { key: key.key });
  expect(result.valid).toBe(true);
  const claims = (result as any).claims;
  expect(claims).toMatchObject({
    iss: shop.organizationId,
    sub: key.id,
    benefit_id: shop.benefit.id,
    license_key: { key: key.key, status: 'granted', expires_at: key.expires_at, customer_id: shop.customer.id, limit_activations: 2 },
    customer: { id: shop.customer.id, email: shop.customer.email },
    activation: { id: activation.id, label: 'studio', conditions: { host: 'h1' } },
  });
  // The window never outlasts the key: 30 days asked, the key expires in 3.
  expect(claims.valid_until).toBe(key.expires_at);
  expect(res.body).toMatchObject({ key_id: expect.any(String), algorithm: 'Ed25519', valid_until: key.expires_at });
  expect(verifyLicenseCertificate(res.body.certificate, public_key_jwk).valid).toBe(true);
  expect(verifyLicenseCertificate(res.body.certificate, public_key, { key: 'OTHER' })).toMatchObject({
    valid: false,
    reason: 'key_mismatch',
  });
  expect(verifyLicenseCertificate(res.body.certificate, public_key, { now: new Date(Date.parse(key.expires_at) + 1) })).toMatchObject({
    valid: false,
    reason: 'certificate_expired',
  });

  // Tampering with any part breaks the signature; another organization's key does not verify it.
  const [h, p, s] = res.body.certificate.split('.');
  const forged = Buffer.from(JSON.stringify({ ...claims, license_key: { ...claims.license_key, expires_at: null } })).toString('base64url');
  expect(verifyLicenseCertificate(`${h}.${forged}.${s}`, public_key)).toMatchObject({ valid: false, reason: 'bad_signature' });
  const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  expect(verifyLicenseCertificate(`${h}.${p}.${flipped}`, public_key)).toMatchObject({ valid: false, reason: 'bad_signature' });
  const other = await stack.createOrganization();
  const otherKey = (await call('GET', '/v1/license-keys/signing-key', { token: other.accessToken })).body.public_key;
  expect(verifyLicenseCertificate(res.body.certificate, otherKey)).toMatchObject({ valid: false, reason: 'bad_signature' });
});

test('whoever holds the key gets a certificate without a token; not for revoked, disabled or expired keys', async () => {
  const { key } = await buyKey(shop);
  const activation = await shop.polar.licenseKeys.activate({ key: key.key, organization_id: shop.organizationId, label: 'desk' });
  const body = { key: key.key, organization_id: shop.organizationId, activation_id: activation.id };
  const pub = await call('POST', '/v1/customer-portal/license-keys/certificate', { body });
  expect(pub.status).toBe(200);
  const publicKey = (await call('GET', `/v1/customer-portal/license-keys/signing-key?organization_id=${shop.organizationId}`)).body
    .public_key;
  expect(verifyLicenseCertificate(pub.body.certificate, publicKey, { key: key.key }).valid).toBe(true);
  expect((await call('POST', '/v1/customer-portal/license-keys/certificate', { body: { ...body, key: 'NOPE' } })).status).toBe(404);
  expect(
    (
      await call('POST', '/v1/customer-portal/license-keys/certificate', {
        body: { ...body, activation_id: '00000000-0000-4000-8000-000000000000' },
      })
    ).status,
  ).toBe(404);

  await setKey(shop, key.id, { expires_at: new Date(Date.now() - 1000) });
  expect((await call('POST', '/v1/customer-portal/license-keys/certificate', { body })).status).toBe(403);
  await setKey(shop, key.id, { expires_at: null, status: 'disabled' });
  expect((await call('POST', `/v1/license-keys/${key.id}/certificate`, { token: shop.token, body: {} })).status).toBe(403);
  await shop.polar.licenseKeys.update(key.id, { status: 'revoked' });
  const revoked = await call('POST', '/v1/customer-portal/license-keys/certificate', { body });
  expect(revoked).toEqual({
    status: 403,
    body: { error: 'NotPermitted', detail: 'License key is revoked: no certificate can be issued.' },
  });
});

test('without SECRET_ENCRYPTION_KEY certificates are unavailable (503), nothing else is', async () => {
  const { key } = await buyKey(shop);
  const res = await stack.http('POST', `/v1/license-keys/${key.id}/certificate`, { token: shop.token, body: {} });
  expect(res.status).toBe(503);
  expect(res.body.detail).toMatch(/SECRET_ENCRYPTION_KEY/);
  expect((await stack.http('GET', '/v1/license-keys/signing-key', { token: shop.token })).status).toBe(503);
});
