// Simultaneous requests on one key: the activation limit and the usage limit hold exactly, and
// no validation or usage increment is lost.
import { ValidationBatcher } from '../../db/repositories/license-key-validation-batcher';
import { startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop } from '../support/license-keys.fixtures';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

async function burst(n: number, token: string, path: string, body: (i: number) => unknown): Promise<{ status: number; body: any }[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => stack.http('POST', path, { token, body: body(i) })));
}

const tally = (results: { status: number }[]) =>
  results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

test('50 simultaneous activations against a limit of 3 give exactly 3', async () => {
  const shop = await createLicenseShop(stack, { activations: { limit: 3, enable_customer_admin: false } });
  const { key } = await buyKey(shop);
  const results = await burst(50, shop.token, '/v1/license-keys/activate', (i) => ({
    key: key.key,
    organization_id: shop.organizationId,
    label: `device ${i}`,
  }));
  expect(tally(results)).toEqual({ 200: 3, 403: 47 });
  const [row] = await stack.dataSource.query(
    `SELECT lk.activations_count, (SELECT count(*)::int FROM license_key_activations a WHERE a.license_key_id = lk.id AND a.deleted_at IS NULL) AS live
       FROM license_keys lk WHERE lk.id = $1`,
    [key.id],
  );
  expect(row).toEqual({ activations_count: 3, live: 3 });

  // Ten simultaneous deactivations of one activation: one succeeds, the slot is freed once.
  const activationId = results.find((r) => r.status === 200)!.body.id;
  const deactivations = await burst(10, shop.token, '/v1/license-keys/deactivate', () => ({
    key: key.key,
    organization_id: shop.organizationId,
    activation_id: activationId,
  }));
  expect(tally(deactivations)).toEqual({ 204: 1, 404: 9 });
  const again = await burst(5, shop.token, '/v1/license-keys/activate', (i) => ({
    key: key.key,
    organization_id: shop.organizationId,
    label: `late ${i}`,
  }));
  expect(tally(again)).toEqual({ 200: 1, 403: 4 });
});

test('simultaneous validations with increment_usage never pass limit_usage and lose no increment', async () => {
  const shop = await createLicenseShop(stack, { limit_usage: 20 });
  const { key } = await buyKey(shop);
  const results = await burst(60, shop.token, '/v1/license-keys/validate', () => ({
    key: key.key,
    organization_id: shop.organizationId,
    increment_usage: 1,
  }));
  expect(tally(results)).toEqual({ 200: 20, 400: 40 });
  const got = await shop.polar.licenseKeys.get(key.id);
  expect(got).toMatchObject({ usage: 20, validations: 20 });
  // Every successful response saw a distinct usage value: each increment applied exactly once.
  const seen = results
    .filter((r) => r.status === 200)
    .map((r) => r.body.usage)
    .sort((a, b) => a - b);
  expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
});

test('simultaneous plain validations are all counted', async () => {
  const shop = await createLicenseShop(stack);
  const { key } = await buyKey(shop);
  const results = await burst(100, shop.token, '/v1/license-keys/validate', (i) => ({
    key: key.key,
    organization_id: shop.organizationId,
    increment_usage: i % 2,
  }));
  expect(tally(results)).toEqual({ 200: 100 });
  expect(await shop.polar.licenseKeys.get(key.id)).toMatchObject({ validations: 100, usage: 50 });
});

test('a burst over a few keys, batched, counts every validation once and answers each request on its own', async () => {
  const shop = await createLicenseShop(stack, { activations: { limit: 1, enable_customer_admin: false } });
  const keys = [(await buyKey(shop)).key, (await buyKey(shop)).key, (await buyKey(shop)).key];
  const activation = await shop.polar.licenseKeys.activate({
    key: keys[0].key,
    organization_id: shop.organizationId,
    label: 'pc',
    conditions: { os: 'mac' },
  });
  const OTHER = '00000000-0000-4000-8000-000000000000';
  const bodies = Array.from({ length: 240 }, (_, i) => {
    const body: Record<string, unknown> = { key: keys[i % 3].key, organization_id: shop.organizationId };
    if (i % 10 === 0) body.benefit_id = OTHER; // fails: benefit mismatch
    if (i % 3 === 0 && i % 10 === 3) Object.assign(body, { activation_id: activation.id, conditions: { os: 'mac' } });
    if (i % 3 === 0 && i % 10 === 6) Object.assign(body, { activation_id: activation.id, conditions: { os: 'win' } }); // fails
    if (i % 47 === 5) body.key = 'NOT-A-KEY'; // fails: unknown
    return body;
  });
  const run = jest.spyOn(ValidationBatcher.prototype as any, 'run');
  const results = await burst(bodies.length, shop.token, '/v1/license-keys/validate', (i) => bodies[i]);
  const batchSizes = run.mock.calls.map((call: any[]) => call[0].length);
  run.mockRestore();
  expect(Math.max(...batchSizes)).toBeGreaterThan(1);
  const expectedOk = bodies.map((b, i) => b.key !== 'NOT-A-KEY' && !b.benefit_id && !(i % 3 === 0 && i % 10 === 6));
  expect(results.map((r) => r.status)).toEqual(expectedOk.map((ok) => (ok ? 200 : 404)));
  for (const [k, key] of keys.entries()) {
    const oks = results.filter((r, i) => r.status === 200 && bodies[i].key === key.key);
    expect((await shop.polar.licenseKeys.get(key.id)).validations).toBe(oks.length);
    expect(oks.map((r) => r.body.validations).sort((a, b) => a - b)).toEqual(Array.from({ length: oks.length }, (_, i) => i + 1));
    if (k === 0) expect(oks.filter((r) => r.body.activation?.id === activation.id).length).toBeGreaterThan(0);
  }
});
