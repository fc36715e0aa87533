// The customer portal: a customer's own keys (activations only with customer admin), and the
// public validate / activate / deactivate that need no token, rate limited per address and key.
import express from 'express';
import type { Server } from 'node:http';
import { errorHandler } from '../../api/errors';
import { composeApi } from '../../api/composition';
import { customerPortalLicenseKeysPublicRoutes } from '../../api/routes/customer-portal-license-keys.routes';
import { parseConfig } from '../../config/config';
import { createLogger } from '../../lib/logger';
import { startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop, failure } from '../support/license-keys.fixtures';
import { expectMatchesSpec } from '../support/spec-validator';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createPolar } = require('@polar-sh/sdk/2026-10') as { createPolar: (o: { accessToken: string; baseUrl: string }) => any };

let stack: TestStack;
let address = 0;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

/** Each test calls from its own client address (the app trusts the loopback proxy's X-Forwarded-For). */
function client(): Record<string, string> {
  address += 1;
  return { 'x-forwarded-for': `10.1.${Math.floor(address / 250)}.${address % 250}` };
}

async function portalFor(shop: any, customerId: string): Promise<any> {
  const session = await shop.polar.customerSessions.create({ customer_id: customerId });
  return { polar: stack.polar(session.token), token: session.token };
}

test('a customer lists and gets their own keys; activations only with customer admin', async () => {
  const shop = await createLicenseShop(stack, { activations: { limit: 2, enable_customer_admin: false } });
  const { key } = await buyKey(shop);
  const stranger = await shop.polar.customers.create({ email: `stranger-${process.pid}@example.com` });
  const theirs = (await buyKey(shop, stranger.id)).key;
  await shop.polar.licenseKeys.activate({ key: key.key, organization_id: shop.organizationId, label: 'laptop' });

  const { polar: portal } = await portalFor(shop, shop.customer.id);
  const list = await portal.customerPortal.licenseKeys.list({});
  expectMatchesSpec('/v1/customer-portal/license-keys/', 'get', 200, list);
  expect(list.items.map((k: any) => k.id)).toEqual([key.id]);
  expect((await portal.customerPortal.licenseKeys.list({ benefit_id: '00000000-0000-4000-8000-000000000000' })).items).toEqual([]);
  const got = await portal.customerPortal.licenseKeys.get(key.id);
  expectMatchesSpec('/v1/customer-portal/license-keys/{id}', 'get', 200, got);
  expect(got.activations).toEqual([]);
  expect((await failure(portal.customerPortal.licenseKeys.get(theirs.id))).statusCode).toBe(404);
  // The organization token is not a customer session.
  expect((await failure(shop.polar.customerPortal.licenseKeys.list({}))).statusCode).toBe(401);

  const admin = await createLicenseShop(stack, { activations: { limit: 2, enable_customer_admin: true } });
  const adminKey = (await buyKey(admin)).key;
  await admin.polar.licenseKeys.activate({ key: adminKey.key, organization_id: admin.organizationId, label: 'phone' });
  const adminPortal = (await portalFor(admin, admin.customer.id)).polar;
  expect((await adminPortal.customerPortal.licenseKeys.get(adminKey.id)).activations.map((a: any) => a.label)).toEqual(['phone']);
});

test('validate, activate and deactivate need no token (official SDK and raw HTTP)', async () => {
  const shop = await createLicenseShop(stack, { activations: { limit: 1, enable_customer_admin: false } });
  const { key } = await buyKey(shop);
  const anonymous = stack.polar('');
  const body = { key: key.key, organization_id: shop.organizationId };
  const activation = await anonymous.customerPortal.licenseKeys.activate({ ...body, label: 'desktop', conditions: { machine: 'm1' } });
  expectMatchesSpec('/v1/customer-portal/license-keys/activate', 'post', 200, activation);
  const validated = await anonymous.customerPortal.licenseKeys.validate({
    ...body,
    activation_id: activation.id,
    conditions: { machine: 'm1' },
  });
  expectMatchesSpec('/v1/customer-portal/license-keys/validate', 'post', 200, validated);
  expect(validated.activation.id).toBe(activation.id);
  expect((await failure(anonymous.customerPortal.licenseKeys.activate({ ...body, label: 'second' }))).statusCode).toBe(403);

  const headers = client();
  const raw = await stack.http('POST', '/v1/customer-portal/license-keys/validate', { body: { ...body, conditions: { x: 1 } }, headers });
  expect(raw.status).toBe(200);
  const off = await stack.http('POST', '/v1/customer-portal/license-keys/deactivate', {
    body: { ...body, activation_id: activation.id },
    headers,
  });
  expect(off.status).toBe(204);
  const again = await stack.http('POST', '/v1/customer-portal/license-keys/deactivate', {
    body: { ...body, activation_id: activation.id },
    headers,
  });
  expect(again.status).toBe(404);
  expect(
    (
      await stack.http('POST', '/v1/customer-portal/license-keys/validate', {
        body: { key: 'NOPE', organization_id: shop.organizationId },
        headers,
      })
    ).status,
  ).toBe(404);
  expect((await stack.http('POST', '/v1/customer-portal/license-keys/validate', { body: { key: 1 }, headers })).status).toBe(422);
});

test('a customer session may deactivate only when the benefit enables customer admin', async () => {
  for (const admin of [false, true]) {
    const shop = await createLicenseShop(stack, { activations: { limit: 2, enable_customer_admin: admin } });
    const { key } = await buyKey(shop);
    const body = { key: key.key, organization_id: shop.organizationId };
    const activation = await shop.polar.licenseKeys.activate({ ...body, label: 'tablet' });
    const { token } = await portalFor(shop, shop.customer.id);
    const res = await stack.http('POST', '/v1/customer-portal/license-keys/deactivate', {
      token,
      body: { ...body, activation_id: activation.id },
      headers: client(),
    });
    expect(res.status).toBe(admin ? 204 : 403);
  }
});

describe('rate limits', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(express.json());
    const config = parseConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: stack.taskQueue });
    const deps = { config, logger: createLogger('silent', 'test'), dataSource: stack.dataSource, temporal: stack.temporal };
    const limits = { perAddress: { capacity: 4, refillPerSecond: 0.1 }, perKey: { capacity: 2, refillPerSecond: 0.05 } };
    app.use('/v1/customer-portal', customerPortalLicenseKeysPublicRoutes(composeApi(deps), { limits }));
    app.use(errorHandler(deps.logger));
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (body: unknown, ip: string) =>
    fetch(`${base}/v1/customer-portal/license-keys/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(body),
    });

  it('answers 429 with Retry-After per key, whatever the address', async () => {
    const body = { key: 'ANY-KEY', organization_id: '00000000-0000-4000-8000-000000000000' };
    expect((await post(body, '10.9.0.1')).status).toBe(404);
    expect((await post(body, '10.9.0.2')).status).toBe(404);
    const limited = await post(body, '10.9.0.3');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(await limited.json()).toEqual({ error: 'TooManyRequests', detail: 'Rate limit exceeded' });
  });

  it('answers 429 per client address, whatever the key', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await post({ key: `K${i}`, organization_id: '00000000-0000-4000-8000-000000000000' }, '10.9.1.1')).status);
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
  });

  it('the official SDK surfaces it as a rate limit error with the delay', async () => {
    const sdk = createPolar({ accessToken: '', baseUrl: base });
    const body = { key: 'SDK-KEY', organization_id: '00000000-0000-4000-8000-000000000000' };
    for (let i = 0; i < 2; i++) expect((await failure(sdk.customerPortal.licenseKeys.validate(body))).statusCode).toBe(404);
    const err: any = await sdk.customerPortal.licenseKeys.validate(body).catch((e: unknown) => e);
    expect([err.name, err.statusCode, err.retryAfter]).toEqual(['PolarRateLimitError', 429, 20]);
  });
});
