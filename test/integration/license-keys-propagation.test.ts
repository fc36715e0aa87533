// A benefit update that changes expiry, activation limit or usage limit rewrites every issued key
// through the engine's fan-out; unrelated edits (description, prefix, customer admin) touch nothing.
import { eventually, startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop, keyOfScope } from '../support/license-keys.fixtures';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const DAY = 86_400_000;

async function updatedEvents(grantIds: string[]): Promise<Record<string, number>> {
  const rows: { grant_id: string; n: number }[] = await stack.dataSource.query(
    `SELECT grant_id, count(*)::int AS n FROM benefit_grant_events WHERE kind = 'updated' AND grant_id = ANY($1) GROUP BY grant_id`,
    [grantIds],
  );
  return Object.fromEntries(rows.map((r) => [r.grant_id, r.n]));
}

test('benefit updates reach issued keys only when expiry or limits change', async () => {
  const shop = await createLicenseShop(stack, {
    prefix: 'OLD',
    expires: { ttl: 10, timeframe: 'day' },
    activations: { limit: 1, enable_customer_admin: false },
    limit_usage: 5,
  });
  const kept = await buyKey(shop);
  const revoked = await buyKey(shop);
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  const subKey = await keyOfScope(shop, { subscriptionId: sub.id });
  await shop.polar.licenseKeys.update(revoked.key.id, { status: 'revoked' });
  const grants = (await shop.polar.benefitGrants.list({ customer_id: shop.customer.id, limit: 100 })).items;
  const grantOf = (scope: (g: any) => boolean) => grants.find(scope);
  const keptGrant = grantOf((g) => g.order_id === kept.order.id);
  const subGrant = grantOf((g) => g.subscription_id === sub.id);

  // Unrelated: description, prefix and customer admin do not matter to issued keys.
  await shop.polar.benefits.update(shop.benefit.id, {
    type: 'license_keys',
    description: 'Renamed license',
    properties: {
      prefix: 'NEW',
      expires: { ttl: 10, timeframe: 'day' },
      activations: { limit: 1, enable_customer_admin: true },
      limit_usage: 5,
    },
  });
  // Related: every issued, not revoked key is rewritten.
  await shop.polar.benefits.update(shop.benefit.id, {
    type: 'license_keys',
    properties: {
      prefix: 'NEW',
      expires: { ttl: 20, timeframe: 'day' },
      activations: { limit: 5, enable_customer_admin: true },
      limit_usage: null,
    },
  });

  await eventually(
    async () =>
      (await shop.polar.licenseKeys.get(kept.key.id)).limit_activations === 5 &&
      (await shop.polar.licenseKeys.get(subKey.id)).limit_activations === 5,
  );
  const keptNow = await shop.polar.licenseKeys.get(kept.key.id);
  expect(keptNow).toMatchObject({ key: kept.key.key, limit_usage: null, status: 'granted' });
  // Order keys expire from when they were granted; the new ttl counts from the same moment.
  expect(Date.parse(keptNow.expires_at) - Date.parse(keptGrant.granted_at)).toBeGreaterThan(20 * DAY - 5_000);
  expect(Date.parse(keptNow.expires_at) - Date.parse(keptGrant.granted_at)).toBeLessThan(20 * DAY + 5_000);
  expect(await shop.polar.licenseKeys.get(subKey.id)).toMatchObject({ expires_at: null, limit_usage: null, key: subKey.key });
  // The revoked key's grant is not updated.
  expect(await shop.polar.licenseKeys.get(revoked.key.id)).toMatchObject({ status: 'revoked', limit_activations: 1, limit_usage: 5 });

  await new Promise((r) => setTimeout(r, 700));
  expect(await updatedEvents([keptGrant.id, subGrant.id])).toEqual({ [keptGrant.id]: 1, [subGrant.id]: 1 });
});

test('a description-only update starts no fan-out at all', async () => {
  const shop = await createLicenseShop(stack, { limit_usage: 3 });
  const { key } = await buyKey(shop);
  await shop.polar.benefits.update(shop.benefit.id, { type: 'license_keys', description: 'Only the name' });
  await shop.polar.benefits.update(shop.benefit.id, { type: 'license_keys', properties: { limit_usage: 3 } });
  await new Promise((r) => setTimeout(r, 700));
  const got = await shop.polar.licenseKeys.get(key.id);
  expect(got.modified_at).toBeNull();
  const grantId = (await shop.polar.benefitGrants.list({ customer_id: shop.customer.id })).items[0].id;
  expect(await updatedEvents([grantId])).toEqual({});
});
