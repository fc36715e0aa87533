// License keys through the official SDK against the real stack: benefit properties, issuing on a
// purchase, the organization API (list, get, PATCH, activation) and status changes via the engine.
import { eventually, startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop, failure, keyOfScope } from '../support/license-keys.fixtures';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const KEY_RE = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const locs = (error: any) => (error?.detail ?? []).map((d: any) => d.loc.join('.'));

describe('license_keys benefit properties', () => {
  it('are validated with 422 at the field', async () => {
    const { accessToken } = await stack.createOrganization();
    const polar = stack.polar(accessToken);
    const create = (properties: unknown) =>
      failure(polar.benefits.create({ type: 'license_keys', description: 'License', properties } as any));
    const cases: [unknown, string][] = [
      [{ expires: { ttl: 0, timeframe: 'day' } }, 'body.properties.expires.ttl'],
      [{ expires: { ttl: 1, timeframe: 'week' } }, 'body.properties.expires.timeframe'],
      [{ activations: { limit: 0, enable_customer_admin: true } }, 'body.properties.activations.limit'],
      [{ activations: { limit: 2 } }, 'body.properties.activations.enable_customer_admin'],
      [{ limit_usage: -1 }, 'body.properties.limit_usage'],
      [{ limit_usage: 1.5 }, 'body.properties.limit_usage'],
      [{ prefix: 12 }, 'body.properties.prefix'],
    ];
    for (const [properties, loc] of cases) {
      const res = await create(properties);
      expect(res.statusCode).toBe(422);
      expect(locs(res.error)).toContain(loc);
    }
  });

  it('are stored in normal form, every field present', async () => {
    const { accessToken } = await stack.createOrganization();
    const polar = stack.polar(accessToken);
    const created = await polar.benefits.create({ type: 'license_keys', description: 'License', properties: { prefix: '  ' } });
    expectMatchesSpec('/v1/benefits/', 'post', 201, created);
    expect(created.properties).toEqual({ prefix: null, expires: null, activations: null, limit_usage: null });
  });
});

describe('issuing keys', () => {
  it('a one-time order issues one PREFIX-UUID key that expires at grant time + ttl', async () => {
    const shop = await createLicenseShop(stack, {
      prefix: 'myapp',
      expires: { ttl: 1, timeframe: 'year' },
      activations: { limit: 3, enable_customer_admin: false },
      limit_usage: 100,
    });
    const before = Date.now();
    const { order, key } = await buyKey(shop);
    expectMatchesSpec('/v1/license-keys/{id}', 'get', 200, key);
    expect(key.key).toMatch(/^MYAPP-/);
    expect(key.key.slice(6)).toMatch(KEY_RE);
    expect(key.display_key).toBe(`****-${key.key.slice(-6)}`);
    expect(key).toMatchObject({
      status: 'granted',
      customer_id: shop.customer.id,
      benefit_id: shop.benefit.id,
      organization_id: shop.organizationId,
      limit_activations: 3,
      limit_usage: 100,
      usage: 0,
      validations: 0,
      last_validated_at: null,
      activations: [],
    });
    const expires = new Date(key.expires_at);
    const yearLater = new Date(before);
    yearLater.setUTCFullYear(yearLater.getUTCFullYear() + 1);
    expect(Math.abs(expires.getTime() - yearLater.getTime())).toBeLessThan(60_000);

    const grants = await shop.polar.benefitGrants.list({ customer_id: shop.customer.id });
    const grant = grants.items.find((g: any) => g.order_id === order.id);
    expect(grant.properties).toMatchObject({ license_key_id: key.id, display_key: key.display_key });

    const second = await buyKey(shop);
    expect(second.key.key).not.toBe(key.key);
  });

  it('a key without prefix is the bare uppercase UUID; a subscription key never expires and ends with it', async () => {
    const shop = await createLicenseShop(stack, { expires: { ttl: 3, timeframe: 'day' } });
    const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
    const key = await keyOfScope(shop, { subscriptionId: sub.id });
    expect(key.key).toMatch(KEY_RE);
    expect(key.expires_at).toBeNull();
    await shop.polar.subscriptions.revoke(sub.id);
    await eventually(async () => (await shop.polar.licenseKeys.get(key.id)).status === 'revoked');
  });
});

describe('organization API', () => {
  it('lists with benefit_id and status filters, and hides other organizations', async () => {
    const shop = await createLicenseShop(stack);
    const a = (await buyKey(shop)).key;
    const b = (await buyKey(shop)).key;
    await shop.polar.licenseKeys.update(b.id, { status: 'disabled' });
    const all = await shop.polar.licenseKeys.list({ limit: 100 });
    expectMatchesSpec('/v1/license-keys/', 'get', 200, all);
    expect(all.items.map((k: any) => k.id)).toEqual([a.id, b.id]);
    expect(all.pagination).toEqual({ total_count: 2, max_page: 1 });
    expect((await shop.polar.licenseKeys.list({ status: 'disabled' })).items.map((k: any) => k.id)).toEqual([b.id]);
    expect((await shop.polar.licenseKeys.list({ status: ['granted', 'disabled'] })).items).toHaveLength(2);
    expect((await shop.polar.licenseKeys.list({ benefit_id: shop.benefit.id, limit: 1, page: 2 })).items.map((k: any) => k.id)).toEqual([
      b.id,
    ]);
    expect((await shop.polar.licenseKeys.list({ benefit_id: '00000000-0000-4000-8000-000000000000' })).items).toEqual([]);
    expect((await failure(shop.polar.licenseKeys.list({ status: 'lost' as any }))).statusCode).toBe(422);

    const other = await createLicenseShop(stack);
    expect((await other.polar.licenseKeys.list({})).items).toEqual([]);
    expect((await failure(other.polar.licenseKeys.get(a.id))).statusCode).toBe(404);
    expect((await failure(other.polar.licenseKeys.update(a.id, { usage: 1 }))).statusCode).toBe(404);
    expect((await failure(shop.polar.licenseKeys.get('not-a-uuid'))).statusCode).toBe(404);
  });

  it('gets a key with its live activations, and one activation', async () => {
    const shop = await createLicenseShop(stack, { activations: { limit: 2, enable_customer_admin: false } });
    const { key } = await buyKey(shop);
    const body = { key: key.key, organization_id: shop.organizationId };
    const first = await shop.polar.licenseKeys.activate({ ...body, label: 'laptop', meta: { os: 'linux', cores: 8 } });
    const second = await shop.polar.licenseKeys.activate({ ...body, label: 'desktop' });
    await shop.polar.licenseKeys.deactivate({ ...body, activation_id: second.id });
    const got = await shop.polar.licenseKeys.get(key.id);
    expectMatchesSpec('/v1/license-keys/{id}', 'get', 200, got);
    expect(got.activations.map((a: any) => [a.label, a.meta])).toEqual([['laptop', { os: 'linux', cores: 8 }]]);
    const activation = await shop.polar.licenseKeys.getActivation(key.id, first.id);
    expectMatchesSpec('/v1/license-keys/{id}/activations/{activation_id}', 'get', 200, activation);
    expect(activation.license_key.id).toBe(key.id);
    expect((await failure(shop.polar.licenseKeys.getActivation(key.id, second.id))).statusCode).toBe(404);
  });

  it('PATCH writes usage, limits and expiry', async () => {
    const shop = await createLicenseShop(stack);
    const { key } = await buyKey(shop);
    const updated = await shop.polar.licenseKeys.update(key.id, {
      usage: 7,
      limit_usage: 10,
      limit_activations: 4,
      expires_at: '2031-02-03T04:05:06Z',
    });
    expectMatchesSpec('/v1/license-keys/{id}', 'patch', 200, updated);
    expect(updated).toMatchObject({ usage: 7, limit_usage: 10, limit_activations: 4, expires_at: '2031-02-03T04:05:06.000Z' });
    expect(updated.modified_at).not.toBeNull();
    const cleared = await shop.polar.licenseKeys.update(key.id, { limit_usage: null, expires_at: null });
    expect(cleared).toMatchObject({ usage: 7, limit_usage: null, limit_activations: 4, expires_at: null });
    const bad = await failure(shop.polar.licenseKeys.update(key.id, { limit_activations: 0, expires_at: 'soon' } as any));
    expect(bad.statusCode).toBe(422);
    expect(locs(bad.error).sort()).toEqual(['body.expires_at', 'body.limit_activations']);
  });

  it('PATCH status revoked revokes the grant; granted re-grants it with the same key', async () => {
    const shop = await createLicenseShop(stack);
    const { order, key } = await buyKey(shop);
    const grantOf = async () =>
      (await shop.polar.benefitGrants.list({ customer_id: shop.customer.id })).items.find((g: any) => g.order_id === order.id);
    const revoked = await shop.polar.licenseKeys.update(key.id, { status: 'revoked' });
    expect(revoked.status).toBe('revoked');
    expect((await grantOf()).is_revoked).toBe(true);
    const validate = () => shop.polar.licenseKeys.validate({ key: key.key, organization_id: shop.organizationId });
    expect((await failure(validate())).statusCode).toBe(404);

    const regranted = await shop.polar.licenseKeys.update(key.id, { status: 'granted', usage: 2 });
    expect(regranted).toMatchObject({ status: 'granted', key: key.key, id: key.id, usage: 2 });
    expect((await grantOf()).is_granted).toBe(true);
    expect((await validate()).id).toBe(key.id);
    expect((await shop.polar.licenseKeys.list({})).items).toHaveLength(1);
  });
});
