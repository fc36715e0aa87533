// Input no column can hold (NUL characters, strings past their limit, integers past int4, malformed
// path keys) is the client's mistake: 422 at the field (or 404 for a path), never a 500.
import { startTestStack, TestStack } from '../support/harness';

const NUL = String.fromCharCode(0);

let stack: TestStack;
let token: string;
let orgId: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  ({ accessToken: token, organizationId: orgId } = await stack.createOrganization());
});

afterAll(async () => {
  await stack?.close();
});

const post = (path: string, body: unknown) => stack.http('POST', path, { token, body });
const get = (path: string) => stack.http('GET', path, { token });

function expect422At(res: { status: number; body: any }, loc: unknown[]): void {
  expect(res.status).toBe(422);
  expect(res.body.detail.map((d: { loc: unknown[] }) => d.loc)).toContainEqual(loc);
}

test('a NUL in a customer name or email answers 422 at the field', async () => {
  expect422At(await post('/v1/customers/', { email: 'nul@example.com', name: `A${NUL}B` }), ['body', 'name']);
  expect422At(await post('/v1/customers/', { email: `nul${NUL}@example.com` }), ['body', 'email']);
  expect422At(await post('/v1/customers/', { email: 'meta@example.com', metadata: { [`k${NUL}`]: 'v' } }), ['body', 'metadata', `k${NUL}`]);
  expect422At(await post('/v1/customers/', { email: 'addr@example.com', billing_address: { country: 'FR', city: `P${NUL}` } }), [
    'body',
    'billing_address',
    'city',
  ]);
});

test('a NUL in a license key answers 422 at the key, on the public and the organization endpoints', async () => {
  const body = { key: `KEY${NUL}`, organization_id: orgId };
  expect422At(await stack.http('POST', '/v1/customer-portal/license-keys/validate', { body }), ['body', 'key']);
  expect422At(await post('/v1/license-keys/validate', body), ['body', 'key']);
  expect422At(await stack.http('POST', '/v1/customer-portal/license-keys/activate', { body: { ...body, label: 'x' } }), ['body', 'key']);
});

test('strings past their limit answer 422 at the field', async () => {
  expect422At(await post('/v1/customers/', { email: 'long@example.com', name: 'n'.repeat(257) }), ['body', 'name']);
  expect422At(await post('/v1/customers/', { email: 'tax@example.com', tax_id: 't'.repeat(300) }), ['body', 'tax_id']);
  expect422At(
    await stack.http('POST', '/v1/customer-portal/license-keys/validate', { body: { key: 'k'.repeat(10_000), organization_id: orgId } }),
    ['body', 'key'],
  );
});

test('integers past the int4 column they are stored in answer 422 at the field', async () => {
  const product = {
    name: 'Too dear',
    prices: [{ amount_type: 'fixed', price_currency: 'usd', price_amount: 2 ** 31 }],
  };
  expect422At(await post('/v1/products/', product), ['body', 'prices', 0, 'price_amount']);
});

test('query parameters are bounded and NUL-free too', async () => {
  expect422At(await get(`/v1/customers/?query=${encodeURIComponent(`a${NUL}`)}`), ['query', 'query']);
  expect422At(await get(`/v1/customers/?email=${'e'.repeat(400)}`), ['query', 'email']);
  expect422At(await get(`/v1/customers/?${encodeURIComponent('metadata[plan]')}=${encodeURIComponent(`p${NUL}`)}`), [
    'query',
    'metadata[plan]',
  ]);
  expect422At(await get('/v1/customers/?page=99999999999'), ['query', 'page']);
});

test('a malformed path key answers 404, never 500', async () => {
  expect((await get('/v1/customers/not-a-uuid')).status).toBe(404);
  expect((await get(`/v1/customers/external/${encodeURIComponent(`a${NUL}b`)}`)).status).toBe(404);
  expect((await get(`/v1/customers/external/${'x'.repeat(2000)}`)).status).toBe(404);
  expect((await get('/v1/license-keys/%00')).status).toBe(404);
});

test('a NUL that reaches the database some other way (benefit properties) answers 422, not 500', async () => {
  const res = await post('/v1/benefits/', { type: 'custom', description: 'Hostile note', properties: { note: `n${NUL}` } });
  expect(res.status).toBe(422);
  expect(res.body.detail[0]).toMatchObject({ loc: ['body'], type: 'value_error' });
});
