// The customer portal's benefit and grant shapes per type, checked key by key against the spec's
// `Benefit<Type>Subscriber`, `*SubscriberProperties` and `BenefitGrant<Type>Properties`, with
// every merchant-only field of the organization's benefit stored on the row to prove it stays out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_BENEFIT_TYPES, type PolarBenefitType } from '../../benefits/benefit-types';
import { serializeSubscriberOrganization } from '../../wire/benefit-subscriber.serializer';
import { serializePortalGrant } from '../../wire/portal-grant.serializer';

const schemas = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/reference/polar-openapi-2026-10.json'), 'utf8')).components
  .schemas;
const keysOf = (name: string): string[] => Object.keys(schemas[name].properties ?? {}).sort();

const SPEC_NAME: Record<PolarBenefitType, string> = {
  custom: 'Custom',
  discord: 'Discord',
  github_repository: 'GitHubRepository',
  downloadables: 'Downloadables',
  license_keys: 'LicenseKeys',
  meter_credit: 'MeterCredit',
  feature_flag: 'FeatureFlag',
};

/** What a merchant configures per type (Polar's Benefit<Type>Properties, all of it). */
const MERCHANT_PROPERTIES: Record<PolarBenefitType, Record<string, unknown>> = {
  custom: { note: 'thanks' },
  discord: { guild_id: 'g1', role_id: 'r1', kick_member: true, guild_token: 'secret-bot-token' },
  github_repository: { repository_owner: 'acme', repository_name: 'tool', permission: 'admin' },
  downloadables: { files: ['f1', 'f2'], archived: { f2: true } },
  license_keys: { prefix: 'ACME', expires: null, activations: { limit: 2, enable_customer_admin: true }, limit_usage: 5 },
  meter_credit: { units: 10, rollover: false, meter_id: '8f0f1a52-6d42-4e51-9d3f-36a0f2a3b0c1' },
  feature_flag: {},
};

/** A grant row holding every spec field of the type plus what strategies keep for themselves. */
function storedGrantProperties(type: PolarBenefitType): Record<string, unknown> {
  const spec = Object.fromEntries(keysOf(`BenefitGrant${SPEC_NAME[type]}Properties`).map((k) => [k, `v-${k}`]));
  return { ...spec, expires_at: '2030-01-01T00:00:00.000Z', internal_token: 'never-shown' };
}

const now = new Date('2026-10-01T00:00:00Z');
const organization = serializeSubscriberOrganization({ id: 'o1', name: 'Acme', slug: 'acme', created_at: now, modified_at: null });
const customer = { id: 'c1', created_at: now, modified_at: null, email: 'a@example.com', name: 'A' } as any;

describe.each(ALL_BENEFIT_TYPES)('a portal grant of type %s', (type) => {
  const grant = serializePortalGrant(
    {
      id: 'g1',
      created_at: now,
      modified_at: null,
      organization_id: 'o1',
      customer_id: 'c1',
      benefit_id: 'b1',
      member_id: null,
      subscription_id: null,
      order_id: 'ord1',
      granted_at: now,
      revoked_at: null,
      revoke_reason: null,
      properties: storedGrantProperties(type),
      error: null,
    },
    {
      id: 'b1',
      created_at: now,
      modified_at: null,
      deleted_at: null,
      organization_id: 'o1',
      type,
      description: 'B',
      selectable: true,
      deletable: true,
      metadata: { internal: 'merchant' },
      properties: MERCHANT_PROPERTIES[type],
    },
    customer,
    organization,
  );

  it(`has exactly the fields of CustomerBenefitGrant${SPEC_NAME[type]}`, () => {
    expect(Object.keys(grant).sort()).toEqual(keysOf(`CustomerBenefitGrant${SPEC_NAME[type]}`));
  });

  it(`embeds exactly Benefit${SPEC_NAME[type]}Subscriber with its SubscriberProperties`, () => {
    expect(Object.keys(grant.benefit).sort()).toEqual(keysOf(`Benefit${SPEC_NAME[type]}Subscriber`));
    expect(Object.keys(grant.benefit.properties).sort()).toEqual(keysOf(`Benefit${SPEC_NAME[type]}SubscriberProperties`));
    expect(Object.keys(grant.benefit.organization).sort()).toEqual(keysOf('BenefitSubscriberOrganization'));
  });

  it(`carries only BenefitGrant${SPEC_NAME[type]}Properties`, () => {
    expect(Object.keys(grant.properties).sort()).toEqual(keysOf(`BenefitGrant${SPEC_NAME[type]}Properties`));
  });

  it('leaks nothing meant for the merchant', () => {
    const text = JSON.stringify(grant);
    for (const secret of [
      'secret-bot-token',
      'guild_token',
      'permission"',
      'kick_member',
      'archived',
      'merchant',
      'never-shown',
      'expires_at',
    ]) {
      if (type === 'github_repository' && secret === 'permission"') continue; // the grant's own permission is in the spec
      expect(text).not.toContain(secret);
    }
  });
});

test('a downloadables subscriber sees only the files still offered', () => {
  const grant = serializePortalGrant(
    {
      id: 'g',
      created_at: now,
      modified_at: null,
      organization_id: 'o1',
      customer_id: 'c1',
      benefit_id: 'b',
      member_id: null,
      subscription_id: null,
      order_id: null,
      granted_at: null,
      revoked_at: null,
      revoke_reason: null,
      properties: {},
      error: null,
    },
    {
      id: 'b',
      created_at: now,
      modified_at: null,
      deleted_at: null,
      organization_id: 'o1',
      type: 'downloadables',
      description: 'D',
      selectable: true,
      deletable: true,
      metadata: {},
      properties: MERCHANT_PROPERTIES.downloadables,
    },
    customer,
    organization,
  );
  expect(grant.benefit.properties).toEqual({ active_files: ['f1'] });
});
