// The customer portal over HTTP for every implemented benefit type: a grant carries exactly the
// spec's CustomerBenefitGrant<Type> fields, its benefit exactly Benefit<Type>Subscriber with the
// type's SubscriberProperties, and its properties only BenefitGrant<Type>Properties fields; the
// organization's benefit (metadata, visibility) and internal grant state (an expiry) stay out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BENEFIT_TYPES } from '../../benefits/benefit-types';
import { buyGranted, createShop } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

const schemas = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/reference/polar-openapi-2026-10.json'), 'utf8')).components
  .schemas;
const keysOf = (name: string): string[] => Object.keys(schemas[name].properties ?? {}).sort();
const SPEC_NAME: Record<string, string> = {
  custom: 'Custom',
  feature_flag: 'FeatureFlag',
  license_keys: 'LicenseKeys',
  meter_credit: 'MeterCredit',
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

test('portal grants of every implemented type carry exactly the spec subscriber fields', async () => {
  const shop = await createShop(stack, 2);
  const license = await shop.polar.benefits.create({
    type: 'license_keys',
    description: 'License',
    metadata: { merchant_only: 'yes' },
    properties: {
      prefix: 'ACME',
      expires: { ttl: 1, timeframe: 'year' },
      activations: { limit: 2, enable_customer_admin: true },
      limit_usage: 5,
    },
  });
  const meter = await shop.polar.meters.create({
    name: 'Requests',
    filter: { conjunction: 'and', clauses: [] },
    aggregation: { func: 'count' },
  });
  const credits = await shop.polar.benefits.create({
    type: 'meter_credit',
    description: 'Credits',
    properties: { meter_id: meter.id, units: 10, rollover: false },
  });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [...shop.benefits.map((b) => b.id), license.id, credits.id] });
  await buyGranted(shop, 4);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });

  const res = await stack.http('GET', '/v1/customer-portal/benefit-grants/', { token: session.token });
  expect(res.status).toBe(200);
  expectMatchesSpec('/v1/customer-portal/benefit-grants/', 'get', 200, res.body);
  const types = res.body.items.map((g: any) => g.benefit.type).sort();
  expect(types).toEqual([...BENEFIT_TYPES].sort());

  for (const grant of res.body.items) {
    const name = SPEC_NAME[grant.benefit.type];
    expect(Object.keys(grant).sort()).toEqual(keysOf(`CustomerBenefitGrant${name}`));
    expect(Object.keys(grant.benefit).sort()).toEqual(keysOf(`Benefit${name}Subscriber`));
    expect(Object.keys(grant.benefit.properties).sort()).toEqual(keysOf(`Benefit${name}SubscriberProperties`));
    expect(Object.keys(grant.benefit.organization).sort()).toEqual(keysOf('BenefitSubscriberOrganization'));
    for (const key of Object.keys(grant.properties)) expect(keysOf(`BenefitGrant${name}Properties`)).toContain(key);
    expect(grant.benefit).not.toHaveProperty('metadata');
    expect(grant.benefit).not.toHaveProperty('visibility');
    expect(grant.properties).not.toHaveProperty('expires_at');

    const one = await stack.http('GET', `/v1/customer-portal/benefit-grants/${grant.id}`, { token: session.token });
    expect(one.body).toEqual(grant);
  }
  const licensed = res.body.items.find((g: any) => g.benefit.type === 'license_keys');
  expect(Object.keys(licensed.properties).sort()).toEqual(['display_key', 'license_key_id']);
  expect(licensed.benefit.properties).toEqual({
    prefix: 'ACME',
    expires: { ttl: 1, timeframe: 'year' },
    activations: { limit: 2, enable_customer_admin: true },
    limit_usage: 5,
  });
});
