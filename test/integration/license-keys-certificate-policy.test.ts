// What bounds an offline certificate: the organization's maximum validity (the holder cannot ask
// for more), the key's expiry, an activation when the key limits activations, and signing-key
// rotation (new certificates with the new key, old ones verifying until they expire).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { verifyLicenseCertificate } from '../../benefits/license-keys/license-certificates';
import { startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop } from '../support/license-keys.fixtures';

const SECRET = 'test-secret-encryption-key-of-32-chars-or-more';
const DAY = 86_400_000;
const root = path.resolve(__dirname, '../..');

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { SECRET_ENCRYPTION_KEY: SECRET } });
});
afterAll(async () => {
  await stack?.close();
});

const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) =>
  stack.http(method, path, opts).then(({ status, body }) => ({ status, body }));

const daysFromNow = (iso: string) => (Date.parse(iso) - Date.now()) / DAY;

test('validity is the organization maximum (default 7 days): the holder cannot ask for more', async () => {
  const shop = await createLicenseShop(stack, {});
  const { key } = await buyKey(shop);
  const pub = (body: Record<string, unknown> = {}) =>
    call('POST', '/v1/customer-portal/license-keys/certificate', { body: { key: key.key, organization_id: shop.organizationId, ...body } });

  const asked = await pub({ validity_days: 365 });
  expect(asked.status).toBe(200);
  expect(daysFromNow(asked.body.valid_until)).toBeCloseTo(7, 1);

  await new OrganizationsRepository(stack.dataSource).setCertificateMaxDays(shop.organizationId, 30);
  expect(daysFromNow((await pub()).body.valid_until)).toBeCloseTo(30, 1);
  // The organization's own API may shorten it, never lengthen it.
  const org = (validity_days: number) =>
    call('POST', `/v1/license-keys/${key.id}/certificate`, { token: shop.token, body: { validity_days } });
  expect(daysFromNow((await org(2)).body.valid_until)).toBeCloseTo(2, 1);
  expect(daysFromNow((await org(90)).body.valid_until)).toBeCloseTo(30, 1);
  expect((await org(366)).status).toBe(422);
});

test('a key limiting activations is certified only for a live activation, which the certificate names', async () => {
  const shop = await createLicenseShop(stack, { activations: { limit: 1, enable_customer_admin: false } });
  const { key } = await buyKey(shop);
  const body = { key: key.key, organization_id: shop.organizationId };
  const unbound = await call('POST', '/v1/customer-portal/license-keys/certificate', { body });
  expect(unbound.status).toBe(403);
  expect(unbound.body).toMatchObject({ error: 'NotPermitted', detail: expect.stringContaining('activation') });
  expect((await call('POST', `/v1/license-keys/${key.id}/certificate`, { token: shop.token, body: {} })).status).toBe(403);

  const first = await shop.polar.licenseKeys.activate({ ...body, label: 'first' });
  await shop.polar.licenseKeys.deactivate({ ...body, activation_id: first.id });
  expect((await call('POST', '/v1/customer-portal/license-keys/certificate', { body: { ...body, activation_id: first.id } })).status).toBe(
    404,
  );

  const live = await shop.polar.licenseKeys.activate({ ...body, label: 'second' });
  const bound = await call('POST', '/v1/customer-portal/license-keys/certificate', { body: { ...body, activation_id: live.id } });
  expect(bound.status).toBe(200);
  expect(bound.body.claims.activation).toMatchObject({ id: live.id, label: 'second' });
  const keys = (await call('GET', `/v1/customer-portal/license-keys/signing-keys?organization_id=${shop.organizationId}`)).body.items;
  expect(verifyLicenseCertificate(bound.body.certificate, keys, { key: key.key, activationId: live.id })).toMatchObject({ valid: true });
  expect(verifyLicenseCertificate(bound.body.certificate, keys, { activationId: first.id })).toMatchObject({
    valid: false,
    reason: 'activation_mismatch',
  });
});

async function rotate(organizationId: string, ...flags: string[]): Promise<any> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/admin.ts', 'rotate-signing-key', '--org', organizationId, ...flags],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        SECRET_ENCRYPTION_KEY: SECRET,
      },
    },
  );
  return JSON.parse(stdout);
}

test('rotate-signing-key: new certificates use the new key; old ones verify until they expire; --retire-now withdraws a key', async () => {
  const shop = await createLicenseShop(stack, {});
  const { key } = await buyKey(shop);
  const certificate = async () => (await call('POST', `/v1/license-keys/${key.id}/certificate`, { token: shop.token, body: {} })).body;
  const published = async () =>
    (await call('GET', `/v1/customer-portal/license-keys/signing-keys?organization_id=${shop.organizationId}`)).body.items;
  const kid = (cert: string) => JSON.parse(Buffer.from(cert.split('.')[0], 'base64url').toString()).kid;

  const before = await certificate();
  const first = before.key_id;
  expect(kid(before.certificate)).toBe(first);

  const rotated = await rotate(shop.organizationId);
  expect(rotated).toMatchObject({ organization_id: shop.organizationId, retired: [{ key_id: first }] });
  expect(Date.parse(rotated.retired[0].published_until)).toBeGreaterThanOrEqual(Date.parse(before.valid_until));
  const after = await certificate();
  expect(after.key_id).toBe(rotated.key_id);
  expect(kid(after.certificate)).toBe(rotated.key_id);
  expect((await call('GET', '/v1/license-keys/signing-key', { token: shop.token })).body.key_id).toBe(rotated.key_id);

  const keys = await published();
  expect(keys.map((k: any) => [k.key_id, k.current])).toEqual([
    [rotated.key_id, true],
    [first, false],
  ]);
  expect(keys[1]).toMatchObject({
    retired_at: expect.any(String),
    expires_at: rotated.retired[0].published_until,
    public_key: expect.any(String),
  });
  expect((await call('GET', '/v1/license-keys/signing-keys', { token: shop.token })).body.items).toEqual(keys);
  for (const cert of [before, after])
    expect(verifyLicenseCertificate(cert.certificate, keys, { key: key.key })).toMatchObject({ valid: true });
  // Past its own validity the old certificate fails like any other.
  expect(verifyLicenseCertificate(before.certificate, keys, { now: new Date(Date.parse(before.valid_until) + 1) })).toMatchObject({
    valid: false,
    reason: 'certificate_expired',
  });

  // A leaked key: withdrawn at once, its certificates stop verifying with the published list.
  const leaked = await rotate(shop.organizationId, '--retire-now');
  const remaining = await published();
  expect(remaining.map((k: any) => k.key_id)).toEqual([leaked.key_id, first]);
  expect(verifyLicenseCertificate(after.certificate, remaining)).toMatchObject({ valid: false, reason: 'unknown_signing_key' });
  expect(verifyLicenseCertificate(before.certificate, remaining)).toMatchObject({ valid: true });
});
