// Secrets never reach a log line: the service's logger (lib/logger.ts) writes into a capture stream
// and no secret value may appear in what it wrote.
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, type Logger } from '../../lib/logger';

const WEBHOOK_SECRET = 'whsec_c2VjcmV0LXZhbHVlLW5vYm9keS1tYXktc2Vl';
const TOKEN = 'polar_oat_secret_token_value';

/** The service's logger, writing into a capture stream instead of stdout. */
function captured(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('debug', 'redaction-test', sink);
  return { logger, text: () => lines.join('') };
}

test.each([
  ['secret', { secret: WEBHOOK_SECRET }],
  ['webhook_secret', { webhook_secret: WEBHOOK_SECRET }],
  ['token', { token: TOKEN }],
  ['access_token', { access_token: TOKEN }],
  ['key', { key: TOKEN }],
  ['license_key', { license_key: TOKEN }],
  ['api_key and private_key', { api_key: TOKEN, private_key: WEBHOOK_SECRET }],
  ['password and client_secret', { password: TOKEN, client_secret: WEBHOOK_SECRET }],
  ['an endpoint row', { endpoint: { id: 'e1', url: 'https://hooks.example.com', secret: WEBHOOK_SECRET } }],
  ['two levels down', { job: { endpoint: { secret: WEBHOOK_SECRET, token: TOKEN } } }],
  ['request headers', { req: { headers: { authorization: `Bearer ${TOKEN}` } } }],
  ['an array of rows', { endpoints: [{ secret: WEBHOOK_SECRET }, { token: TOKEN }] }],
])('%s is redacted', (_name, fields) => {
  const { logger, text } = captured();
  logger.info(fields, 'something happened');
  logger.child({ component: 'webhooks' }).warn(fields, 'from a child logger');
  const out = text();
  expect(out).toContain('something happened');
  expect(out).toContain('from a child logger');
  expect(out).toContain('[redacted]');
  expect(out).not.toContain(WEBHOOK_SECRET);
  expect(out).not.toContain(TOKEN);
});

test('fields that are not secrets stay readable', () => {
  const { logger, text } = captured();
  logger.info({ endpoint: { id: 'e1', url: 'https://hooks.example.com/a', secret: WEBHOOK_SECRET } }, 'delivered');
  const line = JSON.parse(text());
  expect(line.endpoint).toEqual({ id: 'e1', url: 'https://hooks.example.com/a', secret: '[redacted]' });
});

test('a secret three levels down is redacted', () => {
  const { logger, text } = captured();
  logger.info({ a: { b: { c: { secret: WEBHOOK_SECRET } } } }, 'deep');
  expect(text()).not.toContain(WEBHOOK_SECRET);
});

test('the parameters of a failed query are not logged', () => {
  const { logger, text } = captured();
  const err = new QueryFailedError(
    'UPDATE webhook_endpoints SET secret = $2 WHERE id = $1',
    ['e1', WEBHOOK_SECRET],
    new Error('connection terminated'),
  );
  logger.error({ err, method: 'PATCH', path: '/v1/webhooks/endpoints/e1/secret' }, 'unhandled error');
  expect(text()).toContain('unhandled error');
  expect(text()).not.toContain(WEBHOOK_SECRET);
});

test('an error logged as its message stays a readable string', () => {
  const { logger, text } = captured();
  logger.warn({ err: 'Failed to start Workflow' }, 'order workflows not started');
  expect(JSON.parse(text()).err).toBe('Failed to start Workflow');
});
