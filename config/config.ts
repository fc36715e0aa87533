// The only module that reads process.env. Everything else receives a parsed, validated Config.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_MAX_CACHED_WORKFLOWS, WORKER_HEAP_MB } from './worker-memory';
import { DEFAULT_WORKER_NICENESS } from './worker-priority';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

// Express's `trust proxy`: `true`, a hop count, or addresses / subnets / loopback, linklocal, uniquelocal.
const trustProxy = z.string().transform((raw, ctx): boolean | number | string[] => {
  const value = raw.trim();
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const subnet = (item: string) => /^[^/]+(\/\d{1,3})?$/.test(item) && isIP(item.split('/')[0]) !== 0;
  const bad = items.filter((item) => !['loopback', 'linklocal', 'uniquelocal'].includes(item) && !subnet(item));
  if (bad.length || !items.length)
    ctx.addIssue({ code: 'custom', message: `not a proxy address, subnet or name: ${bad.join(', ') || raw}` });
  return items;
});

/** Every environment variable the service understands, with its default. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8000),
  PUBLIC_BASE_URL: z.url().optional(),
  // Which peers may name the client in X-Forwarded-For (rate limits key on the client address).
  // Unset: none, the header is ignored. Set it when the API runs behind a reverse proxy.
  TRUST_PROXY: trustProxy.default(false),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_SSL: bool.default(false),
  // With PostgreSQL down or silent, API requests answer 503 within these bounds (ms) instead of
  // hanging: waiting for a connection, and (API only) the client's wait per query, twice at most
  // in a transaction (the query, then its ROLLBACK), plus the server's cap on what it abandoned.
  // Workers keep the connect timeout only: their bulk queries may run long and Temporal retries them.
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).default(2_000),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).default(2_000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(3_000),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('benefits'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),

  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(1).default(100),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).default(30),
  // Grant workflows live as long as their grants; a worker keeps up to this many in memory. Fewer
  // bounds the worker's memory; an evicted grant replays its (short) history on its next command.
  // 1,000 kept a worker under 600 MB at 10,000 open grants at the throughput of a larger cache
  // (docs/benchmarks.md, "Worker memory"). The SDK's own default is sized from the heap limit and
  // would be about 180 at WORKER_HEAP_MB's 512.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(DEFAULT_MAX_CACHED_WORKFLOWS),
  // The V8 heap limit each worker thread runs with (config/worker-memory.ts says why). `npm start`
  // launches the worker with it; other launchers pass `node --max-old-space-size=<this>`, and the
  // worker warns at start when it runs with a much larger limit.
  WORKER_HEAP_MB: z.coerce.number().int().min(128).default(WORKER_HEAP_MB),
  // How far the worker (and `npm start`'s Temporal dev server) step back from the API for CPU: a
  // Unix niceness, 0 to 19 (lib/cpu-priority.ts says why). 0 keeps normal priority; a worker on a
  // machine of its own is unaffected either way.
  WORKER_NICENESS: z.coerce.number().int().min(0).max(19).default(DEFAULT_WORKER_NICENESS),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  // How often the outbox relay looks for work whose workflow start was lost, and how old such work
  // must be (so it does not race the API's own start). Shorter in the chaos run and its test.
  OUTBOX_RELAY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),

  // Only used by `npm start` (the one-machine stack).
  DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  TEMPORAL_CLI_PATH: z.string().optional(),

  // Webhook deliveries to loopback, private, link-local and metadata addresses are refused unless
  // this is set (`npm start` sets it for a one-machine stack); see lib/network-guard.ts.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  WEBHOOK_MAX_ENDPOINTS_PER_ORGANIZATION: z.coerce.number().int().min(1).max(10_000).default(50),

  // Downloadable files (the downloadables benefit). STORAGE picks the driver: `local` keeps objects
  // under STORAGE_LOCAL_DIR (default DATA_DIR/files) and serves part uploads and downloads itself
  // at HMAC-signed URLs; `gcs` uses a Google Cloud Storage bucket and its V4 signed URLs.
  STORAGE: z.enum(['local', 'gcs']).default('local'),
  STORAGE_LOCAL_DIR: z.string().min(1).optional(),
  // Signs the local driver's URLs and the portal's download links (32+ chars). Unset: derived from
  // SECRET_ENCRYPTION_KEY; with neither, a random key per process (links die with the process).
  FILES_SIGNING_KEY: z.string().min(32).optional(),
  FILES_UPLOAD_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3_600),
  FILES_DOWNLOAD_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3_600),
  GCS_BUCKET: z.string().min(1).optional(),
  GCS_PROJECT_ID: z.string().min(1).optional(),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().min(1).optional(),
  // An emulator (fake-gcs-server) instead of storage.googleapis.com.
  GCS_API_ENDPOINT: z.url().optional(),

  // Key that encrypts secrets stored at rest (webhook secrets, organization signing keys); 32+
  // chars; required in production; `npm start` generates one into DATA_DIR.
  SECRET_ENCRYPTION_KEY: z.string().min(32).optional(),

  // Discord: the bot that assigns roles and kicks members (DISCORD_BOT_TOKEN), and the application
  // merchants install it with and customers authorize (identify guilds.join). DISCORD_API_URL ends
  // with the API version; both URLs are settings so tests point them at a local stand-in.
  DISCORD_BOT_TOKEN: z.string().min(1).optional(),
  DISCORD_CLIENT_ID: z.string().min(1).optional(),
  DISCORD_CLIENT_SECRET: z.string().min(1).optional(),
  DISCORD_API_URL: z.url().default('https://discord.com/api/v10'),
  DISCORD_WEB_URL: z.url().default('https://discord.com'),
  // A Discord rate limit up to this long is waited out in the call; a longer one fails the attempt
  // with its retry-after, so Temporal waits (no worker slot held, nothing hammered).
  DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  // How often drift repair compares provider state (GitHub collaborators and invitations, Discord
  // role members) with granted grants: a Temporal schedule per task queue the worker keeps.
  DRIFT_REPAIR_INTERVAL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  // The GitHub App behind `github_repository` benefits and customers' GitHub accounts. Without the
  // App's id, key and OAuth client, creating such a benefit answers 422 naming what is missing.
  GITHUB_APP_ID: z.string().regex(/^\d+$/, 'the App id (a number)').optional(),
  // PEM, with real or `\n`-escaped newlines; or a file holding it.
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY_FILE: z.string().optional(),
  GITHUB_CLIENT_ID: z.string().optional(),
  GITHUB_CLIENT_SECRET: z.string().optional(),
  // Overridable for GitHub Enterprise Server and local stand-ins.
  GITHUB_API_URL: z.url().default('https://api.github.com'),
  GITHUB_WEB_URL: z.url().default('https://github.com'),
  // Origins (scheme://host[:port], comma-separated) a customer may be sent back to after linking
  // an account or installing the App. Default: the API's own public origin and localhost.
  PORTAL_RETURN_ORIGINS: z
    .string()
    .refine(
      (v) => v.split(',').every((o) => !o.trim() || /^https?:\/\/[^/?#]+\/?$/.test(o.trim())),
      'comma-separated origins, scheme://host[:port]',
    )
    .optional(),
});

export type Env = z.infer<typeof envSchema>;
export const ENV_VARIABLES = Object.keys(envSchema.shape) as (keyof Env)[];

export class ConfigError extends Error {}

/** Parses and validates an environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Env {
  const known: Record<string, string> = {};
  for (const name of ENV_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') known[name] = value;
  }
  const result = envSchema.safeParse(known);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  if (config.TEMPORAL_TLS_CERT_PATH && !config.TEMPORAL_TLS_KEY_PATH) {
    throw new ConfigError('Invalid configuration:\n  TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH');
  }
  if (config.STORAGE === 'gcs' && !config.GCS_BUCKET) {
    throw new ConfigError('Invalid configuration:\n  GCS_BUCKET: required with STORAGE=gcs');
  }
  return config;
}

/** The GitHub App's private key: from the setting or its file, `\n` escapes made newlines. */
export function githubAppPrivateKey(config: Env): string | null {
  let pem = config.GITHUB_APP_PRIVATE_KEY ?? null;
  if (!pem && config.GITHUB_APP_PRIVATE_KEY_FILE) {
    try {
      pem = readFileSync(config.GITHUB_APP_PRIVATE_KEY_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  GITHUB_APP_PRIVATE_KEY_FILE: cannot be read (${(err as Error).message})`);
    }
  }
  return pem ? pem.replace(/\\n/g, '\n').trim() + '\n' : null;
}

/** Origins `return_to` may point at (see PORTAL_RETURN_ORIGINS). */
export function portalReturnOrigins(config: Env): string[] {
  if (config.PORTAL_RETURN_ORIGINS) {
    return config.PORTAL_RETURN_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean)
      .map((o) => new URL(o).origin);
  }
  const own = config.PUBLIC_BASE_URL ? [new URL(config.PUBLIC_BASE_URL).origin] : [];
  // Any port on this machine (development portals run on their own).
  return [...own, 'http://localhost:*', 'http://127.0.0.1:*'];
}

/** Whether the operator set a variable (as opposed to it taking its default). */
export function isSetInEnvironment(name: keyof Env): boolean {
  const value = process.env[name];
  return value !== undefined && value !== '';
}

/** Production stores secrets sealed, so it does not start without the key that seals them. */
export function requireEncryptionKey(config: Env): void {
  if (config.NODE_ENV === 'production' && !config.SECRET_ENCRYPTION_KEY) {
    throw new ConfigError(
      'Invalid configuration:\n  SECRET_ENCRYPTION_KEY: required in production (32+ characters, e.g. `openssl rand -base64 32`); it encrypts secrets at rest',
    );
  }
}

let cached: Env | undefined;

/** The process's configuration, read once. Exits with a clear message when it is invalid. */
export function loadConfig(): Env {
  if (cached) return cached;
  try {
    cached = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  return cached;
}

/** The API data source's timeouts. */
export function databaseTimeouts(config: Env): { connectTimeoutMs: number; statementTimeoutMs: number; queryTimeoutMs: number } {
  return {
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
  };
}

/** Reads DATABASE_URL, failing with the variable's name when it is required but missing. */
export function requireDatabaseUrl(config: Env): string {
  if (!config.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_URL: required (e.g. postgres://user:pass@host:5432/db); `npm start` sets it for you',
    );
  }
  return config.DATABASE_URL;
}
