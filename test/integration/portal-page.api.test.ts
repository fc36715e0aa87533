// The portal page as served (before any script runs): the organization's brand escaped, the
// session's state and return_url as far as the server knows them, headers that keep the page to
// its own code, the static modules, and the purchased-products extension the page groups by.
import { portalFeatures } from '../../api/routes/portal-page.routes';
import { startTestStack, type TestStack } from '../support/harness';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(async () => stack?.close());

async function page(path: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${stack.baseUrl}${path}`);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function shop(name: string) {
  const { accessToken } = await stack.createOrganization(name);
  const polar = stack.polar(accessToken);
  const customer = await polar.customers.create({ email: `c-${Date.now()}@example.com` });
  return { polar, customer };
}

test('the brand is escaped, the live session named, and the page runs only its own modules', async () => {
  const { polar, customer } = await shop('<script>alert(1)</script> & "Co"');
  const session = await polar.customerSessions.create({ customer_id: customer.id, return_url: 'https://shop.example/back' });
  const url = new URL(session.customer_portal_url);
  const res = await page(`${url.pathname}${url.search}`);
  expect(res.status).toBe(200);
  expect(res.text).not.toContain('<script>alert(1)</script>');
  expect(res.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34;');
  expect(res.text).toContain('data-session="live"');
  expect(res.text).toContain('data-return-url="https://shop.example/back"');
  expect(res.text).not.toContain(session.token.slice(10));
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');

  const script = await page('/portal-assets/portal.js');
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/javascript/);
  expect((await page('/portal-assets/nope.js')).status).toBe(404);
});

test('expired, unknown and missing tokens, another organization, an unknown slug', async () => {
  const { polar, customer } = await shop('Expiry shop');
  const session = await polar.customerSessions.create({ customer_id: customer.id, return_url: 'javascript:alert(1)' });
  const url = new URL(session.customer_portal_url);
  await stack.dataSource.query(`UPDATE customer_sessions SET expires_at = now() - interval '1 second' WHERE customer_id = $1`, [
    customer.id,
  ]);
  const expired = await page(`${url.pathname}${url.search}`);
  expect(expired.text).toContain('data-session="expired"');
  expect(expired.text).toContain('This portal link has expired.');
  // Only http(s) return URLs become links.
  expect(expired.text).toContain('data-return-url=""');
  expect(expired.text).not.toContain('javascript:alert');

  expect((await page(`${url.pathname}?customer_session_token=polar_cst_unknown`)).text).toContain('data-session="unknown"');
  expect((await page(url.pathname)).text).toContain('data-session="none"');
  // A live session of another organization does not open this one's portal.
  const other = await shop('Other shop');
  const theirs = await other.polar.customerSessions.create({ customer_id: other.customer.id });
  expect((await page(`${url.pathname}?customer_session_token=${theirs.token}`)).text).toContain('data-session="unknown"');
  expect((await page('/no-such-organization/portal')).status).toBe(404);
});

test('purchased-products lists the products the customer bought with their orders and subscriptions', async () => {
  const { polar, customer } = await shop('Products shop');
  const price = [{ amount_type: 'fixed', price_amount: 100, price_currency: 'usd' }];
  const once = await polar.products.create({ name: 'Once', prices: price });
  const monthly = await polar.products.create({ name: 'Monthly', prices: price, recurring_interval: 'month' });
  const order = await polar.orders.create({ customer_id: customer.id, product_id: once.id });
  const sub = await polar.subscriptions.create({ customer_id: customer.id, product_id: monthly.id });
  const stranger = await polar.customers.create({ email: `s-${Date.now()}@example.com` });
  await polar.orders.create({ customer_id: stranger.id, product_id: once.id });

  const { token } = await polar.customerSessions.create({ customer_id: customer.id });
  const res = await stack.http('GET', '/v1/customer-portal/purchased-products/', { token });
  expect(res.status).toBe(200);
  expect(res.body.items).toEqual([
    { id: once.id, name: 'Once', order_ids: [order.id], subscription_ids: [] },
    { id: monthly.id, name: 'Monthly', order_ids: [], subscription_ids: [sub.id] },
  ]);
  expect((await stack.http('GET', '/v1/customer-portal/purchased-products/')).status).toBe(401);
});

test('sections appear when the API offers what they read', () => {
  expect(portalFeatures(['/v1/customer-portal/license-keys/'])).toEqual([]);
  expect(portalFeatures(['/v1/customer-portal/downloadables/', '/v1/customer-portal/meters/'])).toEqual(['downloadables', 'meters']);
});
