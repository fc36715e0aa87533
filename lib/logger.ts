import pino, { Logger } from 'pino';

export type { Logger };

// Secrets never reach a log line: any field with one of these names is replaced, at any depth we
// log (pino redaction paths are explicit, so the common nestings are listed).
const SECRET_FIELDS = [
  'authorization', 'access_token', 'token', 'key', 'license_key', 'secret', 'password',
  'client_secret', 'webhook_secret', 'private_key', 'api_key', 'DATABASE_URL',
];
const redactPaths = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `req.headers.${f}`]);

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
