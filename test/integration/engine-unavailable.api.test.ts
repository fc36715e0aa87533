// A request that must wait on the engine itself (nothing committed that the outbox could carry)
// answers 503 with Retry-After while Temporal is unreachable: the client may retry, it is no bug.
import express from 'express';
import type { Server } from 'node:http';
import { errorHandler } from '../../api/errors';
import { parseConfig } from '../../config/config';
import { freePort } from '../../lib/free-port';
import { createLogger } from '../../lib/logger';
import { lazyTemporalClient } from '../../lib/temporal-connection';

let server: Server;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const closedPort = await freePort(); // nothing listens there
  const { client, connection } = lazyTemporalClient(parseConfig({ NODE_ENV: 'test', TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` }));
  const app = express();
  app.get('/waits-on-the-engine', async () => {
    await client.workflow.getHandle('grant:unreachable').describe();
  });
  app.use(errorHandler(createLogger('silent', 'test')));
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  close = async () => {
    await new Promise((r) => server.close(r));
    await connection.close().catch(() => undefined);
  };
});
afterAll(async () => close?.());

test('Temporal unreachable: 503 ServiceUnavailable with Retry-After, not 500', async () => {
  const res = await fetch(`${base}/waits-on-the-engine`);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(await res.json()).toMatchObject({ error: 'ServiceUnavailable' });
});
