// Products: create/read/update, prices, benefit lists, listing and tenant isolation, through the
// official SDK against the real stack.
import { failure, locs, Polar, startTwoOrganizations, TwoOrganizations } from '../support/two-organizations';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TwoOrganizations['stack'];
let orgId: string;
let polar: Polar;
let other: Polar;

beforeAll(async () => {
  ({ stack, orgId, polar, other } = await startTwoOrganizations());
});

afterAll(async () => {
  await stack?.close();
});

const fixed = (price_amount: number, extra: Record<string, unknown> = {}) => ({ amount_type: 'fixed', price_amount, ...extra });

const createProduct = (client: Polar, body: Record<string, unknown>): Promise<any> => client.products.create(body as any);
const benefit = (client: Polar, description: string): Promise<any> =>
  client.benefits.create({ type: 'custom', description, properties: { note: null } } as any);

describe('creating products', () => {
  it('creates a one-time product with a fixed price', async () => {
    const created = await createProduct(polar, {
      name: 'E-book',
      description: 'A good read',
      prices: [fixed(1500)],
      metadata: { sku: 'EB-1', weight: 1.5, digital: true },
    });
    expectMatchesSpec('/v1/products/', 'post', 201, created);
    expect(created).toMatchObject({
      name: 'E-book',
      description: 'A good read',
      organization_id: orgId,
      visibility: 'public',
      is_recurring: false,
      recurring_interval: null,
      recurring_interval_count: null,
      is_archived: false,
      metadata: { sku: 'EB-1', weight: 1.5, digital: true },
      benefits: [],
      medias: [],
      attached_custom_fields: [],
    });
    expect(created.prices).toHaveLength(1);
    expect(created.prices[0]).toMatchObject({
      amount_type: 'fixed',
      price_amount: 1500,
      price_currency: 'usd',
      product_id: created.id,
      source: 'catalog',
      is_archived: false,
      tax_behavior: null,
    });
    expect(created.prices[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates a recurring product with custom and seat-based prices', async () => {
    const monthly = await createProduct(polar, {
      name: 'Pay what you want',
      recurring_interval: 'month',
      prices: [{ amount_type: 'custom', minimum_amount: 100, maximum_amount: 10000, preset_amount: 500 }],
    });
    expectMatchesSpec('/v1/products/', 'post', 201, monthly);
    expect(monthly).toMatchObject({ is_recurring: true, recurring_interval: 'month', recurring_interval_count: 1 });
    expect(monthly.prices[0]).toMatchObject({ amount_type: 'custom', minimum_amount: 100, maximum_amount: 10000, preset_amount: 500 });

    const seats = await createProduct(polar, {
      name: 'Team plan',
      recurring_interval: 'year',
      recurring_interval_count: 2,
      prices: [
        fixed(0),
        {
          amount_type: 'seat_based',
          seat_tiers: {
            tiers: [
              { min_seats: 1, max_seats: 10, price_per_seat: 1000 },
              { min_seats: 11, price_per_seat: 800 },
            ],
          },
        },
      ],
    });
    expectMatchesSpec('/v1/products/', 'post', 201, seats);
    expect(seats).toMatchObject({ recurring_interval: 'year', recurring_interval_count: 2 });
    expect(seats.prices[1].seat_tiers).toMatchObject({ seat_tier_type: 'volume', minimum_seats: 1, maximum_seats: null });
  });

  it.each([
    ['name too short', { name: 'ab', prices: [fixed(1)] }, ['body', 'name']],
    ['no prices', { name: 'No prices', prices: [] }, ['body', 'prices']],
    ['missing prices', { name: 'Missing prices' }, ['body', 'prices']],
    ['unknown amount type', { name: 'Bad price', prices: [{ amount_type: 'bogus' }] }, ['body', 'prices', 0, 'amount_type']],
    ['negative amount', { name: 'Negative', prices: [fixed(-1)] }, ['body', 'prices', 0, 'price_amount']],
    [
      'metered price',
      { name: 'Metered', prices: [{ amount_type: 'metered_unit', meter_id: '00000000-0000-4000-8000-000000000000', unit_amount: 1 }] },
      ['body', 'prices', 0, 'amount_type'],
    ],
    ['custom with fixed', { name: 'Mixed', prices: [fixed(1), { amount_type: 'custom' }] }, ['body', 'prices']],
    ['two fixed prices', { name: 'Two fixed', prices: [fixed(1), fixed(2)] }, ['body', 'prices']],
    [
      'count without interval',
      { name: 'Count only', recurring_interval_count: 3, prices: [fixed(1)] },
      ['body', 'recurring_interval_count'],
    ],
    ['bad interval', { name: 'Bad interval', recurring_interval: 'decade', prices: [fixed(1)] }, ['body', 'recurring_interval']],
    [
      'trial',
      { name: 'Trial', recurring_interval: 'month', trial_interval: 'day', trial_interval_count: 7, prices: [fixed(1)] },
      ['body', 'trial_interval'],
    ],
    [
      'another organization',
      { name: 'Elsewhere', organization_id: '00000000-0000-4000-8000-000000000000', prices: [fixed(1)] },
      ['body', 'organization_id'],
    ],
  ])('rejects %s with 422 naming the field', async (_name, body, loc) => {
    const { statusCode, error } = await failure(createProduct(polar, body));
    expect(statusCode).toBe(422);
    expectMatchesSpec('/v1/products/', 'post', 422, error);
    expect(locs(error)).toContainEqual(loc);
  });
});

describe('reading and updating products', () => {
  it('gets and updates a product', async () => {
    const created = await createProduct(polar, { name: 'Course', prices: [fixed(900)], metadata: { a: 1 } });
    const got: any = await polar.products.get(created.id);
    expectMatchesSpec('/v1/products/{id}', 'get', 200, got);
    expect(got).toEqual(created);

    const updated: any = await polar.products.update(created.id, {
      name: 'Course v2',
      description: 'Now with videos',
      metadata: { b: 'x' },
      is_archived: true,
    } as any);
    expectMatchesSpec('/v1/products/{id}', 'patch', 200, updated);
    expect(updated).toMatchObject({ name: 'Course v2', description: 'Now with videos', metadata: { b: 'x' }, is_archived: true });
    expect(updated.modified_at).not.toBeNull();
    expect(updated.prices).toEqual(created.prices);

    const cleared: any = await polar.products.update(created.id, { description: null, is_archived: false } as any);
    expect(cleared).toMatchObject({ name: 'Course v2', description: null, is_archived: false });
  });

  it('keeps listed prices, adds new ones and archives the rest', async () => {
    const created = await createProduct(polar, { name: 'Repriced', prices: [fixed(100), fixed(90, { price_currency: 'eur' })] });
    const [usd, eur] = created.prices;
    const updated: any = await polar.products.update(created.id, {
      prices: [{ id: usd.id }, fixed(80, { price_currency: 'gbp' })],
    } as any);
    expectMatchesSpec('/v1/products/{id}', 'patch', 200, updated);
    expect(updated.prices.map((p: any) => p.id)).toContain(usd.id);
    expect(updated.prices.map((p: any) => p.id)).not.toContain(eur.id);
    expect(updated.prices.map((p: any) => p.price_currency).sort()).toEqual(['gbp', 'usd']);

    const stale = await failure(polar.products.update(created.id, { prices: [{ id: eur.id }] } as any));
    expect(stale.statusCode).toBe(422);
    expect(locs(stale.error)).toEqual([['body', 'prices', 0, 'id']]);
    const empty = await failure(polar.products.update(created.id, { prices: [] } as any));
    expect(locs(empty.error)).toEqual([['body', 'prices']]);
  });

  it('changes the interval of a recurring product but never makes a one-time product recurring', async () => {
    const oneShot = await createProduct(polar, { name: 'One shot', prices: [fixed(100)] });
    const { statusCode, error } = await failure(polar.products.update(oneShot.id, { recurring_interval: 'month' } as any));
    expect(statusCode).toBe(422);
    expect(locs(error)).toEqual([['body', 'recurring_interval']]);
    const sub = await createProduct(polar, { name: 'Sub', recurring_interval: 'month', prices: [fixed(100)] });
    const updated: any = await polar.products.update(sub.id, { recurring_interval: 'year', recurring_interval_count: 3 } as any);
    expect(updated).toMatchObject({ recurring_interval: 'year', recurring_interval_count: 3, is_recurring: true });
  });

  it('answers 404 for unknown and malformed ids', async () => {
    expect((await failure(polar.products.get('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
    expect((await failure(polar.products.get('nope'))).statusCode).toBe(404);
    expect((await failure(polar.products.update('nope', { name: 'Nope nope' } as any))).statusCode).toBe(404);
  });
});

describe('product benefits', () => {
  it('sets the ordered benefit list and serializes the benefits in that order', async () => {
    const [b1, b2, b3] = [await benefit(polar, 'First'), await benefit(polar, 'Second'), await benefit(polar, 'Third')];
    const product = await createProduct(polar, { name: 'With benefits', prices: [fixed(100)] });
    const updated: any = await polar.products.updateBenefits(product.id, { benefits: [b3.id, b1.id, b2.id] });
    expectMatchesSpec('/v1/products/{id}/benefits', 'post', 200, updated);
    expect(updated.benefits.map((b: any) => b.id)).toEqual([b3.id, b1.id, b2.id]);
    expect(updated.benefits[0]).toEqual(b3);

    const reordered: any = await polar.products.updateBenefits(product.id, { benefits: [b2.id, b3.id] });
    expect(reordered.benefits.map((b: any) => b.id)).toEqual([b2.id, b3.id]);
    expect(((await polar.products.get(product.id)) as any).benefits.map((b: any) => b.id)).toEqual([b2.id, b3.id]);

    const cleared: any = await polar.products.updateBenefits(product.id, { benefits: [] });
    expect(cleared.benefits).toEqual([]);
  });

  it('rejects unknown, deleted and foreign benefits at their index', async () => {
    const ok = await benefit(polar, 'Valid');
    const deleted = await benefit(polar, 'Deleted');
    await polar.benefits.delete(deleted.id);
    const foreign = await benefit(other, 'Foreign');
    const product = await createProduct(polar, { name: 'Strict', prices: [fixed(100)] });
    await polar.products.updateBenefits(product.id, { benefits: [ok.id] });

    const { statusCode, error } = await failure(
      polar.products.updateBenefits(product.id, {
        benefits: [ok.id, deleted.id, foreign.id, '00000000-0000-4000-8000-000000000000'],
      }),
    );
    expect(statusCode).toBe(422);
    expectMatchesSpec('/v1/products/{id}/benefits', 'post', 422, error);
    expect(locs(error)).toEqual([
      ['body', 'benefits', 1],
      ['body', 'benefits', 2],
      ['body', 'benefits', 3],
    ]);
    // Nothing was written.
    expect(((await polar.products.get(product.id)) as any).benefits.map((b: any) => b.id)).toEqual([ok.id]);

    const malformed = await failure(polar.products.updateBenefits(product.id, { benefits: ['nope'] }));
    expect(locs(malformed.error)).toEqual([['body', 'benefits', 0]]);
  });

  it('keeps one entry when a benefit is listed twice', async () => {
    const b = await benefit(polar, 'Twice');
    const product = await createProduct(polar, { name: 'Dupes', prices: [fixed(100)] });
    const updated: any = await polar.products.updateBenefits(product.id, { benefits: [b.id, b.id] });
    expect(updated.benefits.map((x: any) => x.id)).toEqual([b.id]);
  });
});

describe('tenant isolation', () => {
  it("hides one organization's products from another", async () => {
    const mine = await createProduct(polar, { name: 'Secret product', prices: [fixed(100)] });
    const theirBenefit = await benefit(other, 'Their benefit');
    expect((await failure(other.products.get(mine.id))).statusCode).toBe(404);
    expect((await failure(other.products.update(mine.id, { name: 'Stolen' } as any))).statusCode).toBe(404);
    expect((await failure(other.products.updateBenefits(mine.id, { benefits: [theirBenefit.id] }))).statusCode).toBe(404);
    expect(((await other.products.list({ id: mine.id })) as any).items).toEqual([]);
    expect(((await other.products.list({ query: 'Secret product' })) as any).items).toEqual([]);
  });
});

describe('listing products', () => {
  let client: Polar;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const org = await stack.createOrganization();
    client = stack.polar(org.accessToken);
    const perk = await benefit(client, 'Perk');
    for (const [name, extra] of [
      ['Banana', { prices: [fixed(300)], metadata: { color: 'yellow' } }],
      ['Apple', { prices: [fixed(100)], recurring_interval: 'month', metadata: { color: 'red' } }],
      ['Cherry', { prices: [fixed(200)], metadata: { color: 'red', size: 'small' } }],
    ] as const) {
      const created = await createProduct(client, { name, ...extra });
      ids[name] = created.id;
    }
    await client.products.update(ids.Cherry, { is_archived: true } as any);
    await client.products.updateBenefits(ids.Apple, { benefits: [perk.id] });
    ids.perk = perk.id;
  });

  it('paginates newest first with total_count and max_page', async () => {
    const page1: any = await client.products.list({ limit: 2 });
    expectMatchesSpec('/v1/products/', 'get', 200, page1);
    expect(page1.pagination).toEqual({ total_count: 3, max_page: 2 });
    expect(page1.items.map((p: any) => p.name)).toEqual(['Cherry', 'Apple']);
    expect(page1.items[1].benefits.map((b: any) => b.id)).toEqual([ids.perk]);
    const page2: any = await client.products.list({ limit: 2, page: 2 });
    expect(page2.items.map((p: any) => p.name)).toEqual(['Banana']);
  });

  it('sorts by name and price amount', async () => {
    const byName: any = await client.products.list({ sorting: ['name'] });
    expect(byName.items.map((p: any) => p.name)).toEqual(['Apple', 'Banana', 'Cherry']);
    const byNameDesc: any = await client.products.list({ sorting: ['-name'] });
    expect(byNameDesc.items.map((p: any) => p.name)).toEqual(['Cherry', 'Banana', 'Apple']);
    const byPrice: any = await client.products.list({ sorting: ['-price_amount'] });
    expect(byPrice.items.map((p: any) => p.name)).toEqual(['Banana', 'Cherry', 'Apple']);
  });

  it('filters by archived, recurring, name, benefit, id and metadata', async () => {
    const names = async (query: Record<string, unknown>) =>
      ((await client.products.list({ sorting: ['name'], ...query } as any)) as any).items.map((p: any) => p.name);
    expect(await names({ is_archived: false })).toEqual(['Apple', 'Banana']);
    expect(await names({ is_archived: true })).toEqual(['Cherry']);
    expect(await names({ is_recurring: true })).toEqual(['Apple']);
    expect(await names({ is_recurring: false })).toEqual(['Banana', 'Cherry']);
    expect(await names({ query: 'an' })).toEqual(['Banana']);
    expect(await names({ benefit_id: ids.perk })).toEqual(['Apple']);
    expect(await names({ id: [ids.Banana, ids.Cherry] })).toEqual(['Banana', 'Cherry']);
    expect(await names({ metadata: { color: 'red' } })).toEqual(['Apple', 'Cherry']);
    expect(await names({ metadata: { color: 'red', size: 'small' } })).toEqual(['Cherry']);
    expect(await names({ visibility: ['public'] })).toEqual(['Apple', 'Banana', 'Cherry']);
  });

  it('rejects an unknown sorting field', async () => {
    const { statusCode, error } = await failure(client.products.list({ sorting: ['weight' as any] }));
    expect(statusCode).toBe(422);
    expect(locs(error)).toEqual([['query', 'sorting', 0]]);
  });
});
