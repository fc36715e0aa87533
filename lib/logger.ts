import pino, { Logger } from 'pino';

export type { Logger };

// Secrets never reach a log line: any field with one of these names is replaced at any depth,
// and errors lose the SQL text and parameters a failed query carries (they hold the values).
const SECRET_FIELDS = new Set([
  'authorization',
  'access_token',
  'token',
  'key',
  'license_key',
  'secret',
  'password',
  'client_secret',
  'webhook_secret',
  'private_key',
  'api_key',
  'database_url',
  'cookie',
  'encrypted_private_key',
]);
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELDS.has(k.toLowerCase()) ? CENSOR : scrub(v, depth + 1, seen);
  }
  return out;
}

function serializeError(err: unknown): unknown {
  // Callers often log just the message; pino's serializer would spread a string into characters.
  if (typeof err !== 'object' || err === null) return err;
  const base = pino.stdSerializers.err(err as Error) as Record<string, unknown>;
  const { parameters: _p, query: _q, driverError: _d, ...rest } = base;
  return scrub(rest);
}

export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError, error: serializeError },
    formatters: { log: (object) => scrub(object) as Record<string, unknown> },
  };
  return destination ? pino(options, destination) : pino(options);
}
