// With PostgreSQL gone or silent, the API answers 503 (Polar's error shape) within 5 s and never
// hangs; once the database is back, it answers again. The API's data source reaches PostgreSQL
// through a TCP relay the test can cut: refuse connections, or accept them and never answer.
import net from 'node:net';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { createApp } from '../../api/app';
import { databaseTimeouts, parseConfig } from '../../config/config';
import { createDataSource } from '../../db/data-source';
import { createLogger } from '../../lib/logger';
import { startTestStack, TestStack } from '../support/harness';

type Mode = 'up' | 'silent' | 'down';

/** Relays TCP to `target`; 'silent' forwards nothing (new and open connections), 'down' resets all. */
async function startRelay(target: { host: string; port: number }) {
  let mode: Mode = 'up';
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket | null }>();
  const server = net.createServer((client) => {
    const pair = { client, upstream: null as net.Socket | null };
    pairs.add(pair);
    client.on('error', () => undefined).on('close', () => pairs.delete(pair));
    if (mode === 'down') return void client.resetAndDestroy();
    if (mode === 'silent') return; // accepted, never answered
    const upstream = net.connect(target);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy()).on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (d) => mode === 'up' && upstream.write(d));
    upstream.on('data', (d) => mode === 'up' && client.write(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    set(next: Mode) {
      mode = next;
      if (next === 'down') for (const p of pairs) p.client.resetAndDestroy();
    },
    close: () => {
      for (const p of pairs) p.client.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let stack: TestStack;
let relay: Awaited<ReturnType<typeof startRelay>>;
let ds: DataSource;
let api: Server;
let baseUrl: string;
let token: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  token = (await stack.createOrganization('Unavailable')).accessToken;
  const real = new URL(process.env.TEST_DATABASE_URL!);
  // The relay speaks TCP: the embedded server's Unix socket (`?host=`) is left out of its URL.
  real.searchParams.delete('host');
  relay = await startRelay({ host: real.hostname, port: Number(real.port) });
  const url = Object.assign(new URL(real.href), { port: String(relay.port) }).href;
  // The settings' defaults: what `npm run api` gets when nothing is set.
  const config = parseConfig({
    DATABASE_URL: url,
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    LOG_LEVEL: 'silent',
  });
  ds = createDataSource({ url, poolSize: 4, ...databaseTimeouts(config) });
  await ds.initialize();
  api = createApp({ config, logger: createLogger('silent', 'test'), dataSource: ds, temporal: stack.temporal }).listen(0, '127.0.0.1');
  await new Promise((resolve) => api.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
  await ds?.destroy().catch(() => undefined);
  await relay?.close();
  await stack?.close();
});

/** One request, timed; aborted (and failed) after 10 s so a hang shows as such. */
async function timed(method: string, path: string, body?: unknown) {
  const started = Date.now();
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
}

const requests: [string, string, unknown?][] = [
  ['GET', '/v1/orders/'],
  ['GET', '/v1/customers/'],
  ['POST', '/v1/customers/', { email: 'down@example.com', name: 'Down' }],
];

async function expectUnavailable() {
  const results = await Promise.all(requests.map(([method, path, body]) => timed(method, path, body)));
  for (const r of results) {
    expect({ status: r.status, body: r.body }).toEqual({ status: 503, body: { error: 'ServiceUnavailable', detail: expect.any(String) } });
    expect(r.retryAfter).toBe('1');
    expect(r.ms).toBeLessThan(5_000);
  }
}

test('the API answers while the database does', async () => {
  expect((await timed('GET', '/v1/orders/')).status).toBe(200);
});

test('a database that stopped answering (open connections and new ones) gives 503 within 5 s', async () => {
  relay.set('silent');
  await expectUnavailable();
  await expectUnavailable(); // the pool's connections are busy or dead: waiting for one is bounded too
});

test('a database that is down gives 503 within 5 s, and the API recovers when it is back', async () => {
  relay.set('down');
  await expectUnavailable();
  relay.set('up');
  const again = await timed('GET', '/v1/orders/');
  expect(again.status).toBe(200);
});
