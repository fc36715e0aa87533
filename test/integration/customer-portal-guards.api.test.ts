// What a customer session cannot do and what a deleted customer leaves behind: a revoked grant is
// not the customer's to update, account ids go only to the types that link accounts, unknown
// portal paths are 404 (with or without a token), and an anonymized customer keeps nothing that
// could be recomputed from a known email or name.
import { createHash } from 'node:crypto';
import { buyGranted, createShop } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';
import { failure } from '../support/two-organizations';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('PATCH of a revoked grant answers 403 NotPermitted and changes nothing', async () => {
  const shop = await createShop(stack, 1);
  const {
    order,
    grants: [grant],
  } = await buyGranted(shop, 1);
  await shop.polar.refunds.create({ order_id: order.id, reason: 'customer_request', amount: 1000, revoke_benefits: true });
  const revoked = await eventually(async () => {
    const g = await shop.polar.benefitGrants.list({ customer_id: shop.customer.id });
    return g.items[0]?.is_revoked ? g.items[0] : null;
  });
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const res = await stack.http('PATCH', `/v1/customer-portal/benefit-grants/${grant.id}`, {
    token: session.token,
    body: { benefit_type: 'custom' },
  });
  expect(res.status).toBe(403);
  expect(res.body).toEqual({ error: 'NotPermitted', detail: expect.any(String) });
  const after = (await shop.polar.benefitGrants.list({ customer_id: shop.customer.id })).items[0];
  expect(after).toMatchObject({ is_revoked: true, is_granted: false, modified_at: revoked.modified_at });
});

test('properties.account_id is refused at the field for a type that links no account', async () => {
  const shop = await createShop(stack, 1);
  const {
    grants: [grant],
  } = await buyGranted(shop, 1);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const portal = stack.polar(session.token);
  const bad = await failure(
    portal.customerPortal.benefitGrants.update(grant.id, { benefit_type: 'custom', properties: { account_id: '42' } } as any),
  );
  expect(bad.statusCode).toBe(422);
  expect(bad.error.detail.map((d: any) => d.loc)).toEqual([['body', 'properties', 'account_id']]);
  expect((await portal.customerPortal.benefitGrants.update(grant.id, { benefit_type: 'custom' })).is_granted).toBe(true);
});

test('an unknown customer-portal path is 404 with or without a token; a known one without a token is 401', async () => {
  const shop = await createShop(stack, 1);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  for (const token of [undefined, session.token, 'polar_cst_bogus']) {
    const res = await stack.http('GET', '/v1/customer-portal/no-such-thing', { token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'ResourceNotFound', detail: expect.any(String) });
    expect((await stack.http('DELETE', '/v1/customer-portal/benefit-grants/', { token })).status).toBe(404);
  }
  expect((await stack.http('GET', '/v1/customer-portal/benefit-grants/')).status).toBe(401);
  expect((await stack.http('GET', '/v1/customer-portal/customers/me', { token: 'polar_cst_bogus' })).status).toBe(401);
  expect((await stack.http('GET', '/v1/customer-portal/benefit-grants', { token: session.token })).status).toBe(200);
  expect((await stack.http('HEAD', '/v1/customer-portal/customers/me', { token: session.token })).status).toBe(200);
});

test('anonymizing a deleted customer leaves no hash of the email or name anyone could recompute', async () => {
  const email = `Gdpr-${process.pid}-${Date.now()}@example.com`;
  const anonymized: { email: string; name: string }[] = [];
  for (let i = 0; i < 2; i++) {
    const { accessToken } = await stack.createOrganization();
    const polar = stack.polar(accessToken);
    const customer = await polar.customers.create({ email, name: 'Jane Doe' });
    const res = await stack.http('DELETE', `/v1/customers/${customer.id}?anonymize=true`, { token: accessToken });
    expect(res.status).toBe(204);
    const [row] = await stack.dataSource.query(`SELECT email, name, deleted_at FROM customers WHERE id = $1`, [customer.id]);
    expect(row.deleted_at).not.toBeNull();
    anonymized.push(row);
    // The address is free again for a new customer.
    expect((await polar.customers.create({ email })).email).toBe(email);
  }
  for (const row of anonymized) {
    expect(row.email).toMatch(/^[0-9a-f]{64}@anonymized\.invalid$/);
    expect(row.email).not.toContain(sha256(email.toLowerCase()));
    expect(row.name).not.toBe(sha256('Jane Doe'));
    expect(row.name).not.toContain('Jane');
  }
  // Same email and name in two organizations: nothing links the two rows.
  expect(anonymized[0].email).not.toBe(anonymized[1].email);
  expect(anonymized[0].name).not.toBe(anonymized[1].name);
});
