// Customers, customer state, customer sessions and the portal's /customers/me, through the official SDK.
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

let seq = 0;
const email = (tag = 'c'): string => `${tag}-${Date.now()}-${(seq += 1)}@example.com`;

describe('customers CRUD', () => {
  it('creates, reads, updates and deletes a customer by id', async () => {
    const created: any = await polar.customers.create({ email: email(), name: 'Ada', metadata: { plan: 'pro', seats: 3 } });
    expectMatchesSpec('/v1/customers/', 'post', 201, created);
    expect(created).toMatchObject({ type: 'individual', name: 'Ada', organization_id: orgId, external_id: null });
    expect(created.metadata).toEqual({ plan: 'pro', seats: 3 });

    const got: any = await polar.customers.get(created.id);
    expectMatchesSpec('/v1/customers/{id}', 'get', 200, got);
    expect(got.id).toBe(created.id);

    const updated: any = await polar.customers.update(created.id, {
      name: 'Ada L.',
      metadata: { plan: 'team' },
      billing_address: { country: 'FR', city: 'Paris' },
    });
    expectMatchesSpec('/v1/customers/{id}', 'patch', 200, updated);
    expect(updated).toMatchObject({ name: 'Ada L.', metadata: { plan: 'team' } });
    expect(updated.billing_address).toMatchObject({ country: 'FR', city: 'Paris', line1: null });
    expect(updated.modified_at).not.toBeNull();

    await polar.customers.delete(created.id);
    expect((await failure(polar.customers.get(created.id))).statusCode).toBe(404);
    expect((await failure(polar.customers.delete(created.id))).statusCode).toBe(404);
  });

  it('addresses a customer by external id', async () => {
    const externalId = `usr_${Date.now()}`;
    const created: any = await polar.customers.create({ email: email(), external_id: externalId });
    expect(created.external_id).toBe(externalId);

    const got: any = await polar.customers.getExternal(externalId);
    expectMatchesSpec('/v1/customers/external/{external_id}', 'get', 200, got);
    expect(got.id).toBe(created.id);

    const updated: any = await polar.customers.updateExternal(externalId, { name: 'By external' });
    expect(updated).toMatchObject({ id: created.id, name: 'By external' });

    const state: any = await polar.customers.getStateExternal(externalId);
    expectMatchesSpec('/v1/customers/external/{external_id}/state', 'get', 200, state);
    expect(state.id).toBe(created.id);

    await polar.customers.deleteExternal(externalId);
    expect((await failure(polar.customers.getExternal(externalId))).statusCode).toBe(404);
    // The external id is free again once its holder is deleted.
    const again: any = await polar.customers.create({ email: email(), external_id: externalId });
    expect(again.id).not.toBe(created.id);
  });

  it('sets an external id once and refuses to change it', async () => {
    const created: any = await polar.customers.create({ email: email() });
    const set: any = await polar.customers.update(created.id, { external_id: `late_${Date.now()}` });
    expect(set.external_id).toMatch(/^late_/);
    const res = await failure(polar.customers.update(created.id, { external_id: 'something-else' }));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)).toContainEqual(['body', 'external_id']);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    expect((await failure(polar.customers.get('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
    expect((await failure(polar.customers.get('not-a-uuid'))).statusCode).toBe(404);
    expect((await failure(polar.customers.getExternal('no-such-external-id'))).statusCode).toBe(404);
  });
});

describe('customer validation', () => {
  it('rejects a bad email at body.email', async () => {
    const res = await failure(polar.customers.create({ email: 'not-an-email' }));
    expect(res.statusCode).toBe(422);
    expectMatchesSpec('/v1/customers/', 'post', 422, res.error);
    expect(locs(res.error)).toContainEqual(['body', 'email']);
  });

  it('rejects a duplicate email (case-insensitive) at body.email', async () => {
    const address = email('dup');
    await polar.customers.create({ email: address });
    const res = await failure(polar.customers.create({ email: address.toUpperCase() }));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)).toContainEqual(['body', 'email']);
  });

  it('rejects a duplicate external id at body.external_id', async () => {
    const externalId = `dup_${Date.now()}`;
    await polar.customers.create({ email: email(), external_id: externalId });
    const res = await failure(polar.customers.create({ email: email(), external_id: externalId }));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)).toContainEqual(['body', 'external_id']);
  });

  it("rejects changing the email to another customer's", async () => {
    const taken = email('taken');
    await polar.customers.create({ email: taken });
    const mine: any = await polar.customers.create({ email: email() });
    const res = await failure(polar.customers.update(mine.id, { email: taken }));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)).toContainEqual(['body', 'email']);
  });
});

describe('customer lists', () => {
  it('paginates, filters and sorts', async () => {
    const tag = `page${Date.now()}`;
    for (const n of ['b', 'a', 'c']) await polar.customers.create({ email: `${n}-${tag}@example.com`, name: `${tag} ${n}` });

    const first: any = await polar.customers.list({ query: tag, limit: 2, page: 1, sorting: ['email'] });
    expectMatchesSpec('/v1/customers/', 'get', 200, first);
    expect(first.pagination).toEqual({ total_count: 3, max_page: 2 });
    expect(first.items.map((c: any) => c.email[0])).toEqual(['a', 'b']);
    const second: any = await polar.customers.list({ query: tag, limit: 2, page: 2, sorting: ['email'] });
    expect(second.items.map((c: any) => c.email[0])).toEqual(['c']);

    const exact: any = await polar.customers.list({ email: `c-${tag}@example.com` });
    expect(exact.items).toHaveLength(1);
  });

  it('filters by metadata', async () => {
    const marker = `m${Date.now()}`;
    await polar.customers.create({ email: email(), metadata: { cohort: marker } });
    await polar.customers.create({ email: email(), metadata: { cohort: 'other' } });
    const res: any = await polar.customers.list({ metadata: { cohort: marker } } as any);
    expect(res.items).toHaveLength(1);
    expect(res.items[0].metadata.cohort).toBe(marker);
  });

  it('rejects an unknown sorting field at query.sorting', async () => {
    const res = await failure(polar.customers.list({ sorting: ['nope' as any] }));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)[0]).toEqual(['query', 'sorting', 0]);
  });
});

describe('tenant isolation', () => {
  it("hides another organization's customers", async () => {
    const mine: any = await polar.customers.create({ email: email('iso'), external_id: `iso_${Date.now()}` });
    expect((await failure(other.customers.get(mine.id))).statusCode).toBe(404);
    expect((await failure(other.customers.getExternal(mine.external_id))).statusCode).toBe(404);
    expect((await failure(other.customers.getState(mine.id))).statusCode).toBe(404);
    expect((await failure(other.customers.update(mine.id, { name: 'x' }))).statusCode).toBe(404);
    expect((await failure(other.customers.delete(mine.id))).statusCode).toBe(404);
    const listed: any = await other.customers.list({ email: mine.email });
    expect(listed.items).toHaveLength(0);
    // The same email is free in another organization.
    const theirs: any = await other.customers.create({ email: mine.email });
    expect(theirs.id).not.toBe(mine.id);
  });
});

describe('customer state', () => {
  async function insertGrant(customerId: string, opts: { revoked?: boolean; deletedBenefit?: boolean } = {}) {
    const [benefit] = await stack.dataSource.query(
      `INSERT INTO benefits (organization_id, type, description, metadata, properties, deleted_at)
       VALUES ($1, 'feature_flag', 'Beta access', '{"flag":"beta"}', '{}', $2) RETURNING id`,
      [orgId, opts.deletedBenefit ? new Date() : null],
    );
    const [grant] = await stack.dataSource.query(
      `INSERT INTO benefit_grants (organization_id, customer_id, benefit_id, granted_at, revoked_at, properties)
       VALUES ($1, $2, $3, $4, $5, '{}') RETURNING id`,
      [orgId, customerId, benefit.id, opts.revoked ? null : new Date(), opts.revoked ? new Date() : null],
    );
    return { benefitId: benefit.id as string, grantId: grant.id as string };
  }

  it('is empty for a new customer', async () => {
    const c: any = await polar.customers.create({ email: email('state') });
    const state: any = await polar.customers.getState(c.id);
    expectMatchesSpec('/v1/customers/{id}/state', 'get', 200, state);
    expect(state).toMatchObject({ id: c.id, type: 'individual', active_subscriptions: [], granted_benefits: [], active_meters: [] });
  });

  it('lists granted benefits only (not revoked, not of deleted benefits)', async () => {
    const c: any = await polar.customers.create({ email: email('state') });
    const granted = await insertGrant(c.id);
    await insertGrant(c.id, { revoked: true });
    await insertGrant(c.id, { deletedBenefit: true });
    const state: any = await polar.customers.getState(c.id);
    expectMatchesSpec('/v1/customers/{id}/state', 'get', 200, state);
    expect(state.granted_benefits).toHaveLength(1);
    expect(state.granted_benefits[0]).toMatchObject({
      id: granted.grantId,
      benefit_id: granted.benefitId,
      benefit_type: 'feature_flag',
      benefit_metadata: { flag: 'beta' },
      properties: {},
    });
    expect(new Date(state.granted_benefits[0].granted_at).toISOString()).toBe(state.granted_benefits[0].granted_at);
  });

  it('lists active and trialing subscriptions', async () => {
    const c: any = await polar.customers.create({ email: email('state') });
    const [product] = await stack.dataSource.query(
      `INSERT INTO products (organization_id, name, recurring_interval) VALUES ($1, 'Pro', 'month') RETURNING id`,
      [orgId],
    );
    for (const status of ['active', 'trialing', 'canceled']) {
      await stack.dataSource.query(
        `INSERT INTO subscriptions (organization_id, customer_id, product_id, status, amount, recurring_interval,
           current_period_start, current_period_end, started_at, workflow_started_at)
         VALUES ($1, $2, $3, $4, 1000, 'month', now(), now() + interval '1 month', now(), now())`,
        [orgId, c.id, product.id, status],
      );
    }
    const state: any = await polar.customers.getState(c.id);
    expectMatchesSpec('/v1/customers/{id}/state', 'get', 200, state);
    expect(state.active_subscriptions.map((s: any) => s.status).sort()).toEqual(['active', 'trialing']);
    expect(state.active_subscriptions[0]).toMatchObject({ product_id: product.id, amount: 1000, meters: [] });
  });
});

describe('customer sessions and the portal', () => {
  it('mints a token that signs in to /v1/customer-portal/customers/me', async () => {
    const c: any = await polar.customers.create({ email: email('portal'), name: 'Portal User' });
    const session: any = await polar.customerSessions.create({ customer_id: c.id, return_url: 'https://example.com/account' });
    expectMatchesSpec('/v1/customer-sessions/', 'post', 201, session);
    expect(session.token).toMatch(/^polar_cst_/);
    expect(session).toMatchObject({ customer_id: c.id, return_url: 'https://example.com/account' });
    expect(session.customer.id).toBe(c.id);
    expect(session.customer_portal_url).toContain(session.token);
    expect(new Date(session.expires_at).getTime()).toBeGreaterThan(Date.now() + 50 * 60 * 1000);

    const me: any = await stack.polar(session.token).customerPortal.customers.get();
    expectMatchesSpec('/v1/customer-portal/customers/me', 'get', 200, me);
    expect(me).toMatchObject({ id: c.id, email: c.email, name: 'Portal User', oauth_accounts: {} });
  });

  it('mints a token from an external customer id', async () => {
    const externalId = `cs_${Date.now()}`;
    const c: any = await polar.customers.create({ email: email('portal'), external_id: externalId });
    const session: any = await polar.customerSessions.create({ external_customer_id: externalId });
    expect(session.customer_id).toBe(c.id);
  });

  it("refuses unknown customers and another organization's", async () => {
    const c: any = await polar.customers.create({ email: email('portal') });
    const res = await failure(other.customerSessions.create({ customer_id: c.id }));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)).toContainEqual(['body', 'customer_id']);
    const ext = await failure(polar.customerSessions.create({ external_customer_id: 'nobody-here' }));
    expect(locs(ext.error)).toContainEqual(['body', 'external_customer_id']);
  });

  it("answers 401 to a bogus token, an organization token, or a deleted customer's token", async () => {
    expect((await failure(stack.polar('polar_cst_bogus').customerPortal.customers.get())).statusCode).toBe(401);
    const org = await stack.createOrganization();
    expect((await failure(stack.polar(org.accessToken).customerPortal.customers.get())).statusCode).toBe(401);

    const c: any = await polar.customers.create({ email: email('portal') });
    const session: any = await polar.customerSessions.create({ customer_id: c.id });
    await polar.customers.delete(c.id);
    expect((await failure(stack.polar(session.token).customerPortal.customers.get())).statusCode).toBe(401);
  });

  it('does not accept a customer session token on organization routes', async () => {
    const c: any = await polar.customers.create({ email: email('portal') });
    const session: any = await polar.customerSessions.create({ customer_id: c.id });
    expect((await failure(stack.polar(session.token).customers.list())).statusCode).toBe(401);
  });
});
