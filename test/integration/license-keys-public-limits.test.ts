// The public license endpoints' rate-limit buckets: the client address comes from
// X-Forwarded-For only when TRUST_PROXY says the peer is a proxy, an IPv6 client is one /64, an
// organization id in upper case is the same organization; and activation labels are bounded.
import express from 'express';
import type { Server } from 'node:http';
import { createApp } from '../../api/app';
import { errorHandler } from '../../api/errors';
import { composeApi } from '../../api/composition';
import { customerPortalLicenseKeysPublicRoutes, DEFAULT_PUBLIC_LIMITS } from '../../api/routes/customer-portal-license-keys.routes';
import { ACTIVATION_LABEL_MAX_LENGTH } from '../../api/schemas/license-keys.schemas';
import { parseConfig } from '../../config/config';
import { createLogger } from '../../lib/logger';
import { startTestStack, TestStack } from '../support/harness';
import { buyKey, createLicenseShop } from '../support/license-keys.fixtures';

let stack: TestStack;
const servers: Server[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await stack?.close();
});

async function listen(app: express.Express): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The whole API as `npm run api` builds it, with the given environment. */
function api(env: Record<string, string>): Promise<string> {
  const config = parseConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: stack.taskQueue, ...env });
  return listen(createApp({ config, logger: createLogger('silent', 'test'), dataSource: stack.dataSource, temporal: stack.temporal }));
}

const post = (base: string, path: string, body: unknown, forwardedFor?: string) =>
  fetch(`${base}/v1/customer-portal/license-keys/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify(body),
  });

/**
 * How many of a burst of validations, each from its own forwarded address and key (so only the
 * address limit can refuse), are refused. Sent at once, so the bucket barely refills meanwhile.
 */
async function refusedOfBurst(base: string): Promise<number> {
  const count = DEFAULT_PUBLIC_LIMITS.perAddress.capacity + 20;
  // No organization_id: answered 422 after the limiter, without a database round trip.
  const statuses = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      post(base, 'validate', { key: `SPOOF-${i}` }, `10.77.${i >> 8}.${i & 255}`).then((r) => r.status),
    ),
  );
  expect(statuses.every((s) => s === 422 || s === 429)).toBe(true);
  return statuses.filter((s) => s === 429).length;
}

test('without TRUST_PROXY X-Forwarded-For is ignored: a client cannot pick a fresh bucket per request', async () => {
  expect(await refusedOfBurst(await api({}))).toBeGreaterThan(0);
});

test('with TRUST_PROXY naming the proxy, each forwarded client has its own bucket', async () => {
  expect(await refusedOfBurst(await api({ TRUST_PROXY: 'loopback' }))).toBe(0);
});

describe('bucket keys', () => {
  let base: string;
  const limits = { perAddress: { capacity: 3, refillPerSecond: 0.01 }, perKey: { capacity: 2, refillPerSecond: 0.01 } };

  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(express.json());
    const config = parseConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: stack.taskQueue });
    const deps = { config, logger: createLogger('silent', 'test'), dataSource: stack.dataSource, temporal: stack.temporal };
    app.use('/v1/customer-portal', customerPortalLicenseKeysPublicRoutes(composeApi(deps), { limits }));
    app.use(errorHandler(deps.logger));
    base = await listen(app);
  });

  it('an IPv6 client is limited per /64, whichever addresses of it it uses', async () => {
    const statuses = [];
    for (let i = 1; i <= 4; i++)
      statuses.push((await post(base, 'validate', { key: `V6-${i}` }, `2001:db8:aa:bb::${i.toString(16)}`)).status);
    expect(statuses).toEqual([422, 422, 422, 429]);
    // Another /64 is another client; an IPv4-mapped address is its IPv4 client.
    expect((await post(base, 'validate', { key: 'V6-5' }, '2001:db8:aa:bc::1')).status).toBe(422);
    for (let i = 0; i < 3; i++) await post(base, 'validate', { key: `V4-${i}` }, '192.0.2.7');
    expect((await post(base, 'validate', { key: 'V4-x' }, '::ffff:192.0.2.7')).status).toBe(429);
  });

  it('an organization id in upper case shares the key bucket of the same id in lower case', async () => {
    const org = '0a0b0c0d-0000-4000-8000-00000000abcd';
    const body = (organization: string) => ({ key: 'CASE-KEY', organization_id: organization });
    expect((await post(base, 'validate', body(org), '198.51.100.1')).status).toBe(404);
    expect((await post(base, 'validate', body(org.toUpperCase()), '198.51.100.2')).status).toBe(404);
    expect((await post(base, 'validate', body(org), '198.51.100.3')).status).toBe(429);
  });
});

test('an activation label longer than the bound answers 422 at body.label; one at the bound activates', async () => {
  const shop = await createLicenseShop(stack, { activations: { limit: 2, enable_customer_admin: false } });
  const { key } = await buyKey(shop);
  const base = await api({ TRUST_PROXY: 'loopback' });
  const body = (label: string) => ({ key: key.key, organization_id: shop.organizationId, label });
  const tooLong = await post(base, 'activate', body('x'.repeat(ACTIVATION_LABEL_MAX_LENGTH + 1)), '203.0.113.9');
  expect(tooLong.status).toBe(422);
  const detail = ((await tooLong.json()) as { detail: unknown }).detail;
  expect(detail).toEqual([expect.objectContaining({ loc: ['body', 'label'] })]);
  const orgApi = await stack.http('POST', '/v1/license-keys/activate', {
    token: shop.token,
    body: body('y'.repeat(ACTIVATION_LABEL_MAX_LENGTH + 1)),
  });
  expect([orgApi.status, orgApi.body.detail[0].loc]).toEqual([422, ['body', 'label']]);
  const fits = await post(base, 'activate', body('z'.repeat(ACTIVATION_LABEL_MAX_LENGTH)), '203.0.113.9');
  expect(fits.status).toBe(200);
  expect(ACTIVATION_LABEL_MAX_LENGTH).toBeLessThanOrEqual(1000);
});
