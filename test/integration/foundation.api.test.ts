// The foundation as an operator meets it: health and readiness, token auth, error shapes,
// the OpenAPI document and the admin CLI.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { buildOpenApiDocument } from '../../api/openapi/document';
import { parseConfig } from '../../config/config';
import { createLogger } from '../../lib/logger';
import { freePort } from '../../lib/free-port';
import { startTestStack, TestStack } from '../support/harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(async () => stack?.close());

test('healthz answers while alive and readyz checks PostgreSQL and Temporal', async () => {
  expect(await stack.http('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  expect(await stack.http('GET', '/readyz')).toMatchObject({ status: 200, body: { checks: { postgres: 'ok', temporal: 'ok' } } });
});

// Express would hash every body into an ETag; our clients make no conditional requests, and the
// hash cost 2% of a license key validation's CPU.
test('JSON responses carry no ETag', async () => {
  const res = await fetch(`${stack.baseUrl}/healthz`);
  expect(res.status).toBe(200);
  expect(res.headers.get('etag')).toBeNull();
});

test('readyz answers 503 naming Temporal when it is unreachable', async () => {
  const port = await freePort();
  // Nothing listens there; no retry interceptor, so the probe's call fails at once.
  const lazy = Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: [] });
  const app = createApp({
    config: parseConfig({ NODE_ENV: 'test' }),
    logger: createLogger('silent', 'test'),
    dataSource: stack.dataSource,
    temporal: new Client({ connection: lazy }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as any).port}/readyz`);
  const body: any = await res.json();
  server.close();
  await lazy.close();
  expect(res.status).toBe(503);
  expect(body.checks.postgres).toBe('ok');
  expect(body.checks.temporal).toMatch(/^unavailable/);
});

test('organization routes need a valid bearer token (Polar 401 shape)', async () => {
  for (const token of [undefined, 'polar_oat_wrong']) {
    const res = await stack.http('GET', '/v1/benefits/', { token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'Unauthorized', detail: expect.any(String) });
  }
  const { accessToken } = await stack.createOrganization();
  expect((await stack.http('GET', '/v1/benefits/', { token: accessToken })).status).toBe(200);
});

test('unknown routes and ids answer ResourceNotFound', async () => {
  const { accessToken } = await stack.createOrganization();
  const res = await stack.http('GET', '/v1/benefits/00000000-0000-4000-8000-000000000000', { token: accessToken });
  expect(res).toMatchObject({ status: 404, body: { error: 'ResourceNotFound' } });
  expect((await stack.http('GET', '/v1/nothing-here', { token: accessToken })).status).toBe(404);
});

// The resource routers are indexed by first path segment (api/route-index.ts): every operation the
// document lists for an organization token must still reach a handler, whatever it then answers.
test('every documented organization-token operation reaches a route', async () => {
  const { accessToken } = await stack.createOrganization();
  const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> };
  const unrouted: string[] = [];
  let checked = 0;
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!op.security?.some((s) => 'oat' in s)) continue;
      // Unknown ids: the handler answers 404 with what it did not find, or 422 for the empty body.
      const url = template.replace(/\{[^}]+\}/g, (name) => (name === '{platform}' ? 'github' : '0b6f8d7e-5c1a-4f3e-9d2b-7a6c5e4d3f21'));
      const res = await fetch(`${stack.baseUrl}${url}`, {
        method: method.toUpperCase(),
        redirect: 'manual',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: method === 'get' || method === 'delete' ? undefined : '{}',
      });
      const body = (await res.text()).slice(0, 300);
      checked += 1;
      if (res.status === 404 && body.includes('No route for')) unrouted.push(`${method.toUpperCase()} ${template}`);
    }
  }
  expect(unrouted).toEqual([]);
  expect(checked).toBeGreaterThan(60);
});

test('GET /openapi.json documents our operations, extensions marked', async () => {
  const res = await stack.http('GET', '/openapi.json');
  expect(res.status).toBe(200);
  expect(res.body.openapi).toBe('3.1.0');
  const post = res.body.paths['/v1/orders/'].post;
  expect(post.requestBody.content['application/json'].schema.properties).toHaveProperty('subscription_id');
  expect(post.description).toMatch(/Extension/);
  expect(res.body.components.schemas).toHaveProperty('Order');
  expect(res.body.components.schemas).toHaveProperty('BenefitGrant');
});

test('admin create-org prints the organization and a working token, stored hashed', async () => {
  const root = path.resolve(__dirname, '../..');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/admin.ts', 'create-org', '--name', 'CLI org'],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL },
    },
  );
  const out = JSON.parse(stdout);
  expect(out).toEqual({ organization_id: expect.any(String), access_token: expect.stringMatching(/^polar_oat_/) });
  expect((await stack.http('GET', '/v1/benefits/', { token: out.access_token })).status).toBe(200);
  const rows = await stack.dataSource.query(`SELECT token_hash FROM organization_access_tokens WHERE organization_id = $1`, [
    out.organization_id,
  ]);
  expect(rows).toHaveLength(1);
  expect(rows[0].token_hash).not.toContain(out.access_token);
});

test('admin without --name explains its usage and exits 2', async () => {
  const root = path.resolve(__dirname, '../..');
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'create-org'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL },
  });
  await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--name is required') });
});
