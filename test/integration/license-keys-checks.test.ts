// validate / activate / deactivate: every check in Polar's documented order, the status each
// failure answers with, conditions matching, and the counters a successful validation moves.
import { startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop, failure, LicenseShop, setKey } from '../support/license-keys.fixtures';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;
let shop: LicenseShop;

beforeAll(async () => {
  stack = await startTestStack();
  shop = await createLicenseShop(stack, { activations: { limit: 2, enable_customer_admin: true }, limit_usage: 10 });
});
afterAll(async () => stack?.close());

const PAST = new Date(Date.now() - 60_000);
const OTHER_ID = '00000000-0000-4000-8000-000000000000';

async function freshKey(): Promise<any> {
  return (await buyKey(shop)).key;
}

describe('validate', () => {
  it('succeeds, counting the validation and the usage, and matches ValidatedLicenseKey', async () => {
    const key = await freshKey();
    const body = { key: key.key, organization_id: shop.organizationId };
    const first = await shop.polar.licenseKeys.validate(body);
    expectMatchesSpec('/v1/license-keys/validate', 'post', 200, first);
    expect(first).toMatchObject({ id: key.id, validations: 1, usage: 0, activation: null });
    expect(first.last_validated_at).not.toBeNull();
    const second = await shop.polar.licenseKeys.validate({
      ...body,
      increment_usage: 4,
      benefit_id: shop.benefit.id,
      customer_id: shop.customer.id,
    });
    expect(second).toMatchObject({ validations: 2, usage: 4 });
  });

  it('runs the checks in order: status, expiry, activation, conditions, benefit, customer, usage', async () => {
    const key = await freshKey();
    const body = { key: key.key, organization_id: shop.organizationId };
    const act = await shop.polar.licenseKeys.activate({ ...body, label: 'box', conditions: { major: 2, host: 'a' } });
    const everythingWrong: Record<string, unknown> = {
      ...body,
      activation_id: OTHER_ID,
      conditions: { major: 3 },
      benefit_id: OTHER_ID,
      customer_id: OTHER_ID,
      increment_usage: 99,
    };
    const detail = async (b: any) => {
      const res = await failure(shop.polar.licenseKeys.validate(b));
      return `${res.statusCode} ${res.error.detail}`;
    };
    await setKey(shop, key.id, { status: 'disabled', expires_at: PAST });
    expect(await detail(everythingWrong)).toBe('404 License key is no longer active.');
    await setKey(shop, key.id, { status: 'granted' });
    expect(await detail(everythingWrong)).toBe('404 License key has expired.');
    await setKey(shop, key.id, { expires_at: null });
    expect(await detail(everythingWrong)).toBe('404 License key activation not found.');
    everythingWrong.activation_id = act.id;
    expect(await detail(everythingWrong)).toBe('404 License key does not match required conditions');
    everythingWrong.conditions = { host: 'a', major: 2 };
    expect(await detail(everythingWrong)).toBe('404 License key does not match given benefit.');
    everythingWrong.benefit_id = shop.benefit.id;
    expect(await detail(everythingWrong)).toBe('404 License key does not match given user.');
    everythingWrong.customer_id = shop.customer.id;
    expect(await detail(everythingWrong)).toBe('400 License key only has 10 more usages.');
    everythingWrong.increment_usage = 10;
    const ok = await shop.polar.licenseKeys.validate(everythingWrong);
    expect(ok).toMatchObject({ usage: 10, activation: { id: act.id, label: 'box' } });
    // Failed validations counted nothing.
    expect(ok.validations).toBe(1);
    expect(await detail({ ...body, increment_usage: 1 })).toBe('400 License key only has 0 more usages.');
    expect((await shop.polar.licenseKeys.validate({ ...body, increment_usage: 0 })).usage).toBe(10);
  });

  it('an activation without conditions matches any; one with conditions needs them equal', async () => {
    const key = await freshKey();
    const body = { key: key.key, organization_id: shop.organizationId };
    const plain = await shop.polar.licenseKeys.activate({ ...body, label: 'plain' });
    const strict = await shop.polar.licenseKeys.activate({ ...body, label: 'strict', conditions: { a: 1, b: 'x', c: true } });
    expect((await shop.polar.licenseKeys.validate({ ...body, activation_id: plain.id, conditions: { any: 'thing' } })).activation.id).toBe(
      plain.id,
    );
    expect(
      (await shop.polar.licenseKeys.validate({ ...body, activation_id: strict.id, conditions: { c: true, b: 'x', a: 1 } })).activation.id,
    ).toBe(strict.id);
    for (const conditions of [{}, { a: 1, b: 'x' }, { a: 1, b: 'x', c: false }, { a: 1, b: 'x', c: true, d: 0 }]) {
      expect((await failure(shop.polar.licenseKeys.validate({ ...body, activation_id: strict.id, conditions }))).statusCode).toBe(404);
    }
  });

  it('an unknown key, a key of another organization, and a bad body', async () => {
    const key = await freshKey();
    expect((await failure(shop.polar.licenseKeys.validate({ key: 'NOPE', organization_id: shop.organizationId }))).statusCode).toBe(404);
    const other = await createLicenseShop(stack);
    // Another organization's token cannot validate this organization's keys, whatever the body says.
    expect((await failure(other.polar.licenseKeys.validate({ key: key.key, organization_id: shop.organizationId }))).statusCode).toBe(404);
    expect((await failure(other.polar.licenseKeys.validate({ key: key.key, organization_id: other.organizationId }))).statusCode).toBe(404);
    const bad = await failure(shop.polar.licenseKeys.validate({ key: key.key, organization_id: 'x', increment_usage: -1 } as any));
    expect(bad.statusCode).toBe(422);
    expect(bad.error.detail.map((d: any) => d.loc.join('.')).sort()).toEqual(['body.increment_usage', 'body.organization_id']);
  });
});

describe('activate and deactivate', () => {
  it('activates up to the limit, then 403; deactivating frees a slot (204), twice is 404', async () => {
    const key = await freshKey();
    const body = { key: key.key, organization_id: shop.organizationId };
    const a = await shop.polar.licenseKeys.activate({ ...body, label: 'one', meta: { v: 1.5, ok: true } });
    expectMatchesSpec('/v1/license-keys/activate', 'post', 200, a);
    expect(a).toMatchObject({ label: 'one', meta: { v: 1.5, ok: true }, license_key_id: key.id, license_key: { id: key.id } });
    await shop.polar.licenseKeys.activate({ ...body, label: 'two' });
    const third = await failure(shop.polar.licenseKeys.activate({ ...body, label: 'three' }));
    expect([third.statusCode, third.error]).toEqual([
      403,
      { error: 'NotPermitted', detail: 'License key activation limit already reached' },
    ]);
    const res = await stack.http('POST', '/v1/license-keys/deactivate', { token: shop.token, body: { ...body, activation_id: a.id } });
    expect(res.status).toBe(204);
    expect((await failure(shop.polar.licenseKeys.deactivate({ ...body, activation_id: a.id }))).statusCode).toBe(404);
    expect(
      (await failure(shop.polar.licenseKeys.deactivate({ key: 'NOPE', organization_id: shop.organizationId, activation_id: a.id })))
        .statusCode,
    ).toBe(404);
    expect((await shop.polar.licenseKeys.activate({ ...body, label: 'three' })).label).toBe('three');
  });

  it('refuses in order: not granted, expired, no activation limit (403); unknown key 404; bad meta 422', async () => {
    const key = await freshKey();
    const body = { key: key.key, organization_id: shop.organizationId, label: 'x' };
    const detail = async () => {
      const res = await failure(shop.polar.licenseKeys.activate(body));
      return `${res.statusCode} ${res.error.detail}`;
    };
    await setKey(shop, key.id, { status: 'revoked', expires_at: PAST, limit_activations: null });
    expect(await detail()).toBe('403 License key is no longer active. This license key can not be activated.');
    await setKey(shop, key.id, { status: 'granted' });
    expect(await detail()).toBe('403 License key has expired.');
    await setKey(shop, key.id, { expires_at: null });
    expect(await detail()).toMatch(/^403 This license key does not support activations/);
    expect((await failure(shop.polar.licenseKeys.activate({ ...body, key: 'NOPE' }))).statusCode).toBe(404);
    const meta = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    const bad = await failure(shop.polar.licenseKeys.activate({ ...body, meta, conditions: { ['x'.repeat(41)]: 1 } }));
    expect(bad.statusCode).toBe(422);
    expect(bad.error.detail.map((d: any) => d.loc[1]).sort()).toEqual(['conditions', 'meta']);
  });
});
