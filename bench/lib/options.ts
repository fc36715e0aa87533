// Command line and environment of the grants benchmark. A benchmark is a tool run by hand, not the
// service, so it reads its own BENCH_* variables here (config/config.ts stays the service's only reader).
import path from 'node:path';
import { DEFAULT_WORKER_NICENESS } from '../../config/worker-priority';

export interface BenchOptions {
  sizes: number[];
  quick: boolean;
  /** Closed-loop concurrency of phase A. */
  concurrency: number;
  /** Open-loop rate (purchases/s) and duration (s) of phase B. */
  rate: number;
  durationSeconds: number;
  warmup: number;
  /** A wait for grants or revokes gives up after this long (then the later phases are skipped). */
  maxWaitMinutes: number;
  /** The engine's task queue (the service's TEMPORAL_TASK_QUEUE), for backlog figures. */
  taskQueue: string;
  /** Embedded PostgreSQL without fsync (like the tests) instead of `npm start`'s durable default. */
  pgFast: boolean;
  /** Extra flags for `temporal server start-dev` (experiments, e.g. dynamic config values). */
  temporalFlags: string[];
  /** Subscribe a webhook endpoint (receiver in the bench) so deliveries are part of the load. */
  webhook: boolean;
  /** Directory for V8 CPU profiles of the isolated stack's worker and API (all their threads). */
  profileDir: string | null;
  external: ExternalStack | null;
}

export interface ExternalStack {
  baseUrl: string;
  token: string | null;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  apiPid: number | null;
  workerPid: number | null;
}

const USAGE = `usage: npm run bench:grants -- [--n 1000,10000] [--quick] [--concurrency 50] [--rate 20] [--duration 30] [--max-wait 20] [--pg-fast]
  --quick           smoke run: N=200, phase B for 5 s
  --max-wait        minutes a phase may wait for its grants/revokes before giving up (default 20, quick 5)
  --webhook         subscribe a webhook endpoint (receiver in the bench) to order/grant/customer-state events
  --pg-fast         embedded PostgreSQL without fsync (as in the tests)
  --profile DIR     write CPU profiles (.cpuprofile, one per thread) of the worker and the API to DIR
  --temporal-flags  extra dev server flags, e.g. "--dynamic-config-value system.enableActivityEagerExecution=true"
  env BENCH_BASE_URL (+ BENCH_TOKEN, BENCH_DATABASE_URL, BENCH_TEMPORAL_ADDRESS, BENCH_API_PID, BENCH_WORKER_PID)
                    measure an already running stack (\`npm start\`) instead of starting an isolated one
  env WORKER_MAX_CONCURRENT_ACTIVITIES, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, DATABASE_POOL_SIZE
                    are passed on to the isolated stack's worker and API`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') exitWithUsage(0);
    if (!arg.startsWith('--')) exitWithUsage(2, `unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    const takesValue = ['n', 'concurrency', 'rate', 'duration', 'max-wait', 'temporal-flags', 'profile'].includes(name);
    flags.set(name, takesValue ? (inline ?? argv[++i] ?? '') : true);
  }
  const quick = flags.get('quick') === true;
  const sizes = String(flags.get('n') ?? (quick ? '200' : '1000,10000'))
    .split(',')
    .map((s) => positiveInt(s.replace(/_/g, ''), '--n'));
  return {
    sizes,
    quick,
    concurrency: positiveInt(flags.get('concurrency') ?? '50', '--concurrency'),
    rate: positiveInt(flags.get('rate') ?? '20', '--rate'),
    durationSeconds: positiveInt(flags.get('duration') ?? (quick ? '5' : '30'), '--duration'),
    warmup: 20,
    maxWaitMinutes: positiveInt(flags.get('max-wait') ?? (quick ? '5' : '20'), '--max-wait'),
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'benefits',
    pgFast: flags.get('pg-fast') === true,
    webhook: flags.get('webhook') === true,
    profileDir: flags.has('profile') ? path.resolve(String(flags.get('profile'))) : null,
    temporalFlags: String(flags.get('temporal-flags') ?? '')
      .split(/\s+/)
      .filter(Boolean),
    external: externalStack(env),
  };
}

function externalStack(env: NodeJS.ProcessEnv): ExternalStack | null {
  if (!env.BENCH_BASE_URL) return null;
  return {
    baseUrl: env.BENCH_BASE_URL.replace(/\/$/, ''),
    token: env.BENCH_TOKEN || null,
    // `npm start`'s embedded defaults.
    databaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres:postgres@127.0.0.1:5433/benefits',
    temporalAddress: env.BENCH_TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    apiPid: env.BENCH_API_PID ? positiveInt(env.BENCH_API_PID, 'BENCH_API_PID') : null,
    workerPid: env.BENCH_WORKER_PID ? positiveInt(env.BENCH_WORKER_PID, 'BENCH_WORKER_PID') : null,
  };
}

/** The engine settings the isolated stack's children get (the service's own defaults unless set). */
export function childSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    WORKER_MAX_CONCURRENT_ACTIVITIES: env.WORKER_MAX_CONCURRENT_ACTIVITIES || '100',
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS || '100',
    ...(env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    DATABASE_POOL_SIZE: env.DATABASE_POOL_SIZE || '10',
    // The worker and the dev server step back from the API for CPU, as in `npm start`.
    WORKER_NICENESS: env.WORKER_NICENESS || String(DEFAULT_WORKER_NICENESS),
  };
}

function positiveInt(raw: string | true, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) exitWithUsage(2, `${what} must be a positive integer, got ${String(raw)}`);
  return n;
}

function exitWithUsage(code: number, problem?: string): never {
  if (problem) process.stderr.write(`${problem}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(code);
}
