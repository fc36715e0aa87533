// The request log keeps a query's shape but never a credential in it: the customer portal link
// carries its session token as `customer_session_token`.
import express from 'express';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { redactedQuery, requestLog } from '../../api/request-log';
import { createLogger } from '../../lib/logger';

const TOKEN = 'polar_cst_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

test('redactedQuery keeps names and harmless values, hides secret values', () => {
  expect(redactedQuery('/acme/portal')).toBe('');
  expect(redactedQuery(`/acme/portal?customer_session_token=${TOKEN}&x=1`)).toBe('?customer_session_token=[redacted]&x=1');
  expect(redactedQuery(`/v1/benefit-grants/?page=2&limit=100`)).toBe('?page=2&limit=100');
  expect(redactedQuery(`/cb?code=abc&state=def&Customer_Session_Token=${TOKEN}`)).not.toMatch(/abc|def|polar_cst_/);
});

test('a portal link request is logged without its session token; paths are whole', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = express();
  app.use(requestLog(createLogger('info', 'request-log-test', sink)));
  const v1 = express.Router();
  v1.get('/customers/', (_req, res) => void res.send('ok'));
  app.use('/v1', v1);
  app.get('/:slug/portal', (_req, res) => void res.send('ok'));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const port = (server.address() as { port: number }).port;
    await fetch(`http://127.0.0.1:${port}/acme/portal?customer_session_token=${TOKEN}`);
    await fetch(`http://127.0.0.1:${port}/v1/customers/?page=2`);
    // A line is written on 'finish', which may come just after the client has the response.
    for (let i = 0; i < 200 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  } finally {
    await new Promise((r) => server.close(r));
  }
  const out = lines.join('');
  expect(out).toContain('"path":"/acme/portal"');
  // The full path, not the one relative to the router that answered.
  expect(out).toContain('"path":"/v1/customers/","query":"?page=2"');
  expect(out).toContain('customer_session_token=[redacted]');
  expect(out).not.toContain(TOKEN);
});
