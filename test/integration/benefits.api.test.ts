// Benefits CRUD, listing and tenant isolation, through the official SDK against the real stack.
import { isSupportedBenefitType } from '../../benefits/benefit-types';
import { CONTRACT_BENEFIT_TYPES } from '../../api/schemas/benefits.schemas';
import { failure, locs, Polar, startTwoOrganizations, TwoOrganizations } from '../support/two-organizations';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TwoOrganizations['stack'];
let orgId: string;
let polar: Polar;
let other: Polar;
let otherOrgId: string;

beforeAll(async () => {
  ({ stack, orgId, polar, other, otherOrgId } = await startTwoOrganizations());
});

afterAll(async () => {
  await stack?.close();
});

async function freshOrg(): Promise<Polar> {
  const org = await stack.createOrganization();
  return stack.polar(org.accessToken);
}

const custom = (description: string, extra: Record<string, unknown> = {}): any => ({
  type: 'custom',
  description,
  properties: { note: `note for ${description}` },
  ...extra,
});

describe('creating benefits', () => {
  it('creates a custom benefit with every field the contract requires', async () => {
    const created: any = await polar.benefits.create(custom('Priority support', { metadata: { tier: 'gold', seats: 2 } }));
    expectMatchesSpec('/v1/benefits/', 'post', 201, created);
    expect(created).toMatchObject({
      type: 'custom',
      description: 'Priority support',
      organization_id: orgId,
      selectable: true,
      deletable: true,
      is_deleted: false,
      visibility: 'public',
      metadata: { tier: 'gold', seats: 2 },
      properties: { note: 'note for Priority support' },
      modified_at: null,
    });
    expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
  });

  it('creates a feature flag benefit with empty properties', async () => {
    const created: any = await polar.benefits.create({ type: 'feature_flag', description: 'Beta access', properties: {} } as any);
    expectMatchesSpec('/v1/benefits/', 'post', 201, created);
    expect(created).toMatchObject({ type: 'feature_flag', properties: {}, metadata: {} });
  });

  it('gives a custom benefit without note a null note', async () => {
    const created: any = await polar.benefits.create({ type: 'custom', description: 'No note', properties: {} } as any);
    expect(created.properties).toEqual({ note: null });
  });

  it("accepts organization_id when it is the token's own organization", async () => {
    const created: any = await polar.benefits.create(custom('Own org', { organization_id: orgId }));
    expect(created.organization_id).toBe(orgId);
  });

  it.each([
    ['description too short', custom('ab'), ['body', 'description']],
    ['description too long', custom('x'.repeat(43)), ['body', 'description']],
    ['note of the wrong type', { type: 'custom', description: 'Bad note', properties: { note: 42 } }, ['body', 'properties', 'note']],
    ['unknown property', { type: 'feature_flag', description: 'Bad flag', properties: { nope: 1 } }, ['body', 'properties']],
    ['missing properties', { type: 'custom', description: 'No props' }, ['body', 'properties']],
    ['missing type', { description: 'No type', properties: {} }, ['body', 'type']],
    ['unknown type', { type: 'bogus', description: 'Bogus', properties: {} }, ['body', 'type']],
    ['another organization', custom('Elsewhere', { organization_id: '00000000-0000-4000-8000-000000000000' }), ['body', 'organization_id']],
    ['bad metadata value', custom('Bad metadata', { metadata: { k: { nested: true } } }), ['body', 'metadata', 'k']],
  ])('rejects %s with 422 naming the field', async (_name, body, loc) => {
    const { statusCode, error } = await failure(polar.benefits.create(body as any));
    expect(statusCode).toBe(422);
    expectMatchesSpec('/v1/benefits/', 'post', 422, error);
    expect(locs(error)).toContainEqual(loc);
  });

  // A type the contract names that this service does not build (Slack shared channels).
  const unsupported = CONTRACT_BENEFIT_TYPES.find((t) => !isSupportedBenefitType(t));
  it('rejects a contract type that is not supported yet at body.type', async () => {
    expect(unsupported).toBe('slack_shared_channel');
    const { statusCode, error } = await failure(
      polar.benefits.create({ type: unsupported, description: 'Not yet built', properties: {} } as any),
    );
    expect(statusCode).toBe(422);
    expect(locs(error)).toEqual([['body', 'type']]);
    expect(error.detail[0].msg).toMatch(/not supported yet/);
  });
});

describe('reading, updating and deleting', () => {
  it('gets, updates and deletes a benefit', async () => {
    const created: any = await polar.benefits.create(custom('Lifecycle'));
    const got: any = await polar.benefits.get(created.id);
    expectMatchesSpec('/v1/benefits/{id}', 'get', 200, got);
    expect(got).toEqual(created);

    const updated: any = await polar.benefits.update(created.id, {
      type: 'custom',
      description: 'Lifecycle v2',
      metadata: { v: 2 },
      properties: { note: 'new note' },
    } as any);
    expectMatchesSpec('/v1/benefits/{id}', 'patch', 200, updated);
    expect(updated).toMatchObject({ description: 'Lifecycle v2', metadata: { v: 2 }, properties: { note: 'new note' } });
    expect(updated.modified_at).not.toBeNull();

    // Omitted fields are kept.
    const partial: any = await polar.benefits.update(created.id, { type: 'custom', metadata: { v: 3 } } as any);
    expect(partial).toMatchObject({ description: 'Lifecycle v2', metadata: { v: 3 }, properties: { note: 'new note' } });

    await polar.benefits.delete(created.id);
    expect((await failure(polar.benefits.get(created.id))).statusCode).toBe(404);
    const again = await failure(polar.benefits.delete(created.id));
    expect(again.statusCode).toBe(404);
    expect(again.error).toMatchObject({ error: 'ResourceNotFound' });
    expect((await failure(polar.benefits.update(created.id, { type: 'custom' } as any))).statusCode).toBe(404);
  });

  it('refuses to change the type of a benefit', async () => {
    const created: any = await polar.benefits.create(custom('Typed'));
    const { statusCode, error } = await failure(polar.benefits.update(created.id, { type: 'feature_flag' } as any));
    expect(statusCode).toBe(422);
    expect(locs(error)).toEqual([['body', 'type']]);
  });

  it('validates updated properties and description', async () => {
    const created: any = await polar.benefits.create(custom('Validated'));
    const bad = await failure(polar.benefits.update(created.id, { type: 'custom', description: 'x', properties: { note: 5 } } as any));
    expect(bad.statusCode).toBe(422);
    expect(locs(bad.error)).toEqual(
      expect.arrayContaining([
        ['body', 'description'],
        ['body', 'properties', 'note'],
      ]),
    );
  });

  it('answers 404 for an id that is not a UUID', async () => {
    expect((await failure(polar.benefits.get('not-a-uuid'))).statusCode).toBe(404);
  });

  it('removes a deleted benefit from the products that carried it', async () => {
    const keep: any = await polar.benefits.create(custom('Kept'));
    const gone: any = await polar.benefits.create(custom('Gone'));
    const product: any = await polar.products.create({ name: 'Bundle', prices: [{ amount_type: 'fixed', price_amount: 500 }] } as any);
    await polar.products.updateBenefits(product.id, { benefits: [gone.id, keep.id] });
    await polar.benefits.delete(gone.id);
    const after: any = await polar.products.get(product.id);
    expect(after.benefits.map((b: any) => b.id)).toEqual([keep.id]);
    const listed: any = await polar.products.list({ benefit_id: gone.id });
    expect(listed.items).toEqual([]);
  });

  it('lists the grants of a benefit and 404s for an unknown one', async () => {
    const created: any = await polar.benefits.create(custom('Granted'));
    const grants: any = await polar.benefits.grants(created.id, { is_granted: true });
    expectMatchesSpec('/v1/benefits/{id}/grants', 'get', 200, grants);
    expect(grants).toEqual({ items: [], pagination: { total_count: 0, max_page: 0 } });
    expect((await failure(polar.benefits.grants('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
  });
});

describe('tenant isolation', () => {
  it("hides one organization's benefits from another", async () => {
    const mine: any = await polar.benefits.create(custom('Private to A'));
    expect((await failure(other.benefits.get(mine.id))).statusCode).toBe(404);
    expect((await failure(other.benefits.update(mine.id, { type: 'custom', description: 'Hijack' } as any))).statusCode).toBe(404);
    expect((await failure(other.benefits.delete(mine.id))).statusCode).toBe(404);
    expect((await failure(other.benefits.grants(mine.id))).statusCode).toBe(404);
    const listed: any = await other.benefits.list({ id: mine.id });
    expect(listed.items).toEqual([]);
    const unfiltered: any = await other.benefits.list({ limit: 100 });
    expect(unfiltered.items.every((b: any) => b.organization_id === otherOrgId)).toBe(true);
    expect((await polar.benefits.get(mine.id)).id).toBe(mine.id);
  });

  it('returns nothing when filtering on another organization id', async () => {
    const mine: any = await polar.benefits.create(custom('Org filter'));
    const foreign: any = await polar.benefits.list({ organization_id: otherOrgId });
    expect(foreign.items).toEqual([]);
    const own: any = await polar.benefits.list({ organization_id: orgId, id: mine.id });
    expect(own.items.map((b: any) => b.id)).toEqual([mine.id]);
  });
});

describe('listing', () => {
  let client: Polar;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    client = await freshOrg();
    for (const [description, type, metadata] of [
      ['Bravo perk', 'custom', { plan: 'pro' }],
      ['Alpha flag', 'feature_flag', { plan: 'free' }],
      ['Charlie perk', 'custom', { plan: 'pro', region: 'eu' }],
      ['Delta 100%_off', 'custom', {}],
    ] as const) {
      const created: any = await client.benefits.create({ type, description, properties: {}, metadata } as any);
      ids[description] = created.id;
    }
    const deleted: any = await client.benefits.create(custom('Deleted one'));
    await client.benefits.delete(deleted.id);
  });

  it('paginates with total_count and max_page, newest first by default', async () => {
    const page1: any = await client.benefits.list({ limit: 3 });
    expectMatchesSpec('/v1/benefits/', 'get', 200, page1);
    expect(page1.pagination).toEqual({ total_count: 4, max_page: 2 });
    expect(page1.items.map((b: any) => b.description)).toEqual(['Delta 100%_off', 'Charlie perk', 'Alpha flag']);
    const page2: any = await client.benefits.list({ limit: 3, page: 2 });
    expect(page2.items.map((b: any) => b.description)).toEqual(['Bravo perk']);
    const beyond: any = await client.benefits.list({ limit: 3, page: 5 });
    expect(beyond.items).toEqual([]);
    expect(beyond.pagination.total_count).toBe(4);
  });

  it('sorts by description and type', async () => {
    const asc: any = await client.benefits.list({ sorting: ['description'] });
    expect(asc.items.map((b: any) => b.description)).toEqual(['Alpha flag', 'Bravo perk', 'Charlie perk', 'Delta 100%_off']);
    const desc: any = await client.benefits.list({ sorting: ['-description'] });
    expect(desc.items.map((b: any) => b.description)).toEqual(['Delta 100%_off', 'Charlie perk', 'Bravo perk', 'Alpha flag']);
    const byType: any = await client.benefits.list({ sorting: ['-type', 'description'] });
    expect(byType.items[0].type).toBe('feature_flag');
    const bad = await failure(client.benefits.list({ sorting: ['nope' as any] }));
    expect(bad.statusCode).toBe(422);
    expect(locs(bad.error)).toEqual([['query', 'sorting', 0]]);
  });

  it('filters by type, id, exclude_id, query and metadata', async () => {
    const flags: any = await client.benefits.list({ type: 'feature_flag' });
    expect(flags.items.map((b: any) => b.description)).toEqual(['Alpha flag']);
    const both: any = await client.benefits.list({ type: ['feature_flag', 'custom'] });
    expect(both.pagination.total_count).toBe(4);
    const byId: any = await client.benefits.list({ id: [ids['Alpha flag'], ids['Bravo perk']], sorting: ['description'] });
    expect(byId.items.map((b: any) => b.description)).toEqual(['Alpha flag', 'Bravo perk']);
    const excluded: any = await client.benefits.list({ exclude_id: ids['Alpha flag'] });
    expect(excluded.pagination.total_count).toBe(3);
    const perks: any = await client.benefits.list({ query: 'PERK', sorting: ['description'] });
    expect(perks.items.map((b: any) => b.description)).toEqual(['Bravo perk', 'Charlie perk']);
    // LIKE wildcards in the query are literal characters.
    const literal: any = await client.benefits.list({ query: '%_' });
    expect(literal.items.map((b: any) => b.description)).toEqual(['Delta 100%_off']);
    const pro: any = await client.benefits.list({ metadata: { plan: 'pro' }, sorting: ['description'] });
    expect(pro.items.map((b: any) => b.description)).toEqual(['Bravo perk', 'Charlie perk']);
    const proEu: any = await client.benefits.list({ metadata: { plan: 'pro', region: 'eu' } });
    expect(proEu.items.map((b: any) => b.description)).toEqual(['Charlie perk']);
    const anyPlan: any = await client.benefits.list({ metadata: { plan: ['free', 'pro'] } });
    expect(anyPlan.pagination.total_count).toBe(3);
  });

  it('rejects bad filters with 422', async () => {
    const badType = await failure(client.benefits.list({ type: 'nope' as any }));
    expect(badType.statusCode).toBe(422);
    expect(locs(badType.error)[0]).toEqual(expect.arrayContaining(['query', 'type']));
    const badLimit = await failure(client.benefits.list({ limit: 1000 }));
    expect(badLimit.statusCode).toBe(422);
    expect(locs(badLimit.error)).toEqual([['query', 'limit']]);
  });
});
