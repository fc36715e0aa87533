// The only module that reads process.env. Everything else receives a parsed, validated Config.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

/** Every environment variable the service understands, with its default. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8000),
  PUBLIC_BASE_URL: z.url().optional(),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_SSL: bool.default(false),

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
  // Grant workflows live as long as their grants; the SDK's default cache (sized from the heap)
  // makes a worker hold every one of them. Unset keeps the SDK default.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
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

  // Key that encrypts secrets stored at rest (e.g. organization signing keys); 32+ chars.
  SECRET_ENCRYPTION_KEY: z.string().min(32).optional(),
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
  return config;
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

/** Reads DATABASE_URL, failing with the variable's name when it is required but missing. */
export function requireDatabaseUrl(config: Env): string {
  if (!config.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_URL: required (e.g. postgres://user:pass@host:5432/db); `npm start` sets it for you',
    );
  }
  return config.DATABASE_URL;
}
