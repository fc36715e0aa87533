// The stack a benchmark measures: by default an isolated one (embedded PostgreSQL in a temp dir,
// an in-memory headless Temporal dev server, the worker and the API as child processes, all on
// free ports), or an already running `npm start` stack described by BENCH_* variables.
import { Client, Connection } from '@temporalio/client';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../db/data-source';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { workerNodeArgs } from '../../config/worker-memory';
import { freePort } from '../../lib/free-port';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { startDevServer } from '../../scripts/tools/dev-server';
import { ensureTemporalCli, TemporalCliSource } from '../../scripts/tools/tools';
import { workflowIds } from '../../workflows/definitions';
import type { ExternalStack } from './options';
import { describeBacklog } from './backlog';
import { childNamed, ProcessGroups } from './procfs';

export type Log = (msg: string) => void;

export interface BenchStack {
  baseUrl: string;
  token: string;
  organizationId: string;
  /** The bench's own pool: setup inserts and polling what the API would read. */
  db: DataSource;
  temporal: Client;
  groups: ProcessGroups;
  /** Temporal's view of the engine's task queue (backlog, rates), for progress lines. */
  backlog(): Promise<string>;
  /** Throws when a child process died, so waits do not run into their time limit for nothing. */
  assertAlive(): void;
  close(): Promise<void>;
  /** Where an isolated stack's servers listen (benches start more children against them). */
  servers?: { databaseUrl: string; temporalAddress: string; env: NodeJS.ProcessEnv; dir: string };
}

const root = path.resolve(__dirname, '..', '..');
const cleanups: (() => Promise<void>)[] = [];

let cleaning: Promise<void> | null = null;
let signalled = false;

/** Runs `stop` at clean-up (Ctrl-C, exitAfterCleanUp) unless it ran before. */
export function registerCleanup(stop: () => Promise<void>): void {
  cleanups.push(stop);
}

/** Runs every registered cleanup, newest first; later calls share the first call's run. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  })();
  return cleaning;
}

/** Cleans up, then exits: 130 after Ctrl-C (whatever failed on the way), else `code`. */
export async function exitAfterCleanUp(code: number): Promise<never> {
  await cleanUp();
  process.exit(signalled ? 130 : code);
}

/** Ctrl-C and kill stop the children and remove temp dirs before exiting. */
export function handleSignals(log: Log): void {
  // embedded-postgres hooks these signals when imported, to stop PostgreSQL and exit at once; ours
  // replace those hooks so the children stop and temp dirs go too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      log(`${signal}: stopping the stack and removing temp dirs`);
      signalled = true;
      void exitAfterCleanUp(130);
    });
  }
  if (process.listenerCount('uncaughtException') > 0) return;
  // A terminal's Ctrl-C reaches PostgreSQL too, so pooled connections fail while we clean up:
  // such errors must not end the process before the children are stopped and temp dirs removed.
  const onError = (err: unknown) => {
    if (cleaning) return;
    log(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void exitAfterCleanUp(1);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
}

export interface Toolbox {
  dir: string;
  bundlePath: string;
  cli: TemporalCliSource;
}

/** Once per bench run: a temp dir, the Temporal CLI and the workflow bundle. */
export async function prepareToolbox(log: Log, temporalFlags: string[]): Promise<Toolbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-grants-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const cli = withFlags(await ensureTemporalCli(log), temporalFlags, dir);
  log('bundling workflows');
  const bundlePath = await writeWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  return { dir, bundlePath, cli };
}

/**
 * Extra dev server flags go through a wrapper that `exec`s the CLI with them appended, so the dev
 * server is still started (and stopped, by pid) by scripts/tools/dev-server.ts.
 */
export function withFlags(cli: TemporalCliSource, flags: string[], dir: string): TemporalCliSource {
  if (flags.length === 0) return cli;
  if (cli.kind !== 'existing-path') throw new Error('--temporal-flags needs a Temporal CLI on disk (npm run tools)');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const wrapper = path.join(dir, 'temporal');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(cli.path)} "$@" ${flags.map(quote).join(' ')}\n`, { mode: 0o755 });
  return { kind: 'existing-path', path: wrapper };
}

export interface IsolatedOptions {
  pgFast: boolean;
  /** More PostgreSQL settings (`--pg-stats` preloads pg_stat_statements). */
  pgSettings?: Record<string, string>;
  /** Write V8 CPU profiles of the worker and the API here (`--profile DIR`). */
  profileDir?: string | null;
  childEnv: Record<string, string>;
  taskQueue: string;
}

export async function startIsolatedStack(box: Toolbox, label: string, opts: IsolatedOptions, log: Log): Promise<BenchStack> {
  const own: (() => Promise<void>)[] = [];
  const track = (stop: () => Promise<void>) => {
    // Ctrl-C may start the global clean-up while close() runs: each stop runs once either way.
    let run: Promise<void> | undefined;
    const fn = () => (run ??= stop());
    own.push(fn);
    cleanups.push(fn);
  };
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(box.dir, `pg-${label}`),
    port: await freePort(),
    fast: opts.pgFast,
    settings: opts.pgSettings,
  });
  track(() => pg.stop());
  const temporal = await startDevServer({ source: box.cli, port: await freePort(), niceness: Number(opts.childEnv.WORKER_NICENESS ?? 0) });
  track(() => temporal.stop());
  const db = await openDatabase({ url: pg.url, poolSize: 4, applicationName: 'benefits-bench' });
  track(() => db.destroy());
  const { organization, accessToken } = await new OrganizationsRepository(db).createWithToken(`Bench ${label}`);

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.childEnv,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    WORKFLOW_BUNDLE_PATH: box.bundlePath,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    // The license bench calls the public endpoints as many clients, named in X-Forwarded-For.
    TRUST_PROXY: 'loopback',
    // The benches' webhook receiver listens on loopback.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  };
  const nodeArgs = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
  const worker = startChild('worker', 'workers/main.ts', env, log, [...workerNodeArgs(), ...nodeArgs]);
  const api = startChild('api', 'api/main.ts', env, log, nodeArgs);
  track(() => Promise.all([api.stop(), worker.stop()]).then(() => undefined));

  const connection = await Connection.connect({ address: temporal.address });
  track(() => connection.close());
  const client = new Client({ connection });
  const assertAlive = () => [api, worker].forEach((c) => c.assertAlive());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForApiAndWorker(baseUrl, client, assertAlive);

  return {
    baseUrl,
    token: accessToken,
    organizationId: organization.id,
    db,
    temporal: client,
    groups: {
      api: api.pid,
      worker: worker.pid,
      temporal: childNamed(process.pid, 'temporal'),
      postgres: childNamed(process.pid, 'postgres'),
    },
    backlog: () => describeBacklog(client, opts.taskQueue),
    assertAlive,
    servers: { databaseUrl: pg.url, temporalAddress: temporal.address, env, dir: box.dir },
    close: async () => {
      while (own.length > 0) {
        const fn = own.pop()!;
        const at = cleanups.indexOf(fn);
        if (at >= 0) cleanups.splice(at, 1);
        await fn().catch(() => undefined);
      }
    },
  };
}

export async function connectExternalStack(ext: ExternalStack, label: string, taskQueue: string): Promise<BenchStack> {
  const db = await openDatabase({ url: ext.databaseUrl, poolSize: 4, applicationName: 'benefits-bench' });
  const orgs = new OrganizationsRepository(db);
  let token = ext.token;
  let organizationId = token ? await orgs.organizationIdForToken(token) : null;
  if (token && !organizationId) throw new Error('BENCH_TOKEN is not a valid organization access token of BENCH_DATABASE_URL');
  if (!token) {
    const created = await orgs.createWithToken(`Bench ${label}`);
    token = created.accessToken;
    organizationId = created.organization.id;
  }
  const connection = await Connection.connect({ address: ext.temporalAddress });
  const close = async () => {
    await connection.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  };
  cleanups.push(close);
  const temporal = new Client({ connection, namespace: ext.namespace });
  return {
    baseUrl: ext.baseUrl,
    token,
    organizationId: organizationId!,
    db,
    temporal,
    groups: { api: ext.apiPid, worker: ext.workerPid, temporal: null, postgres: null },
    backlog: () => describeBacklog(temporal, taskQueue),
    assertAlive: () => undefined,
    close,
  };
}

export interface Child {
  pid: number;
  assertAlive(): void;
  stop(): Promise<void>;
}

export function startChild(name: string, script: string, env: NodeJS.ProcessEnv, log: Log, nodeArgs: string[]): Child {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log(`[${name}] ${line.slice(0, 400)}`);
    });
  }
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    assertAlive: () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.signalCode ?? child.exitCode}):\n${tail.join('\n')}`);
      }
    },
    stop: async () => {
      if (stopping || child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor(what: string, check: () => Promise<boolean>, assertAlive: () => void, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    assertAlive();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

/** Waits for the API's readiness and the worker (it starts the outbox relay right before it polls). */
export async function waitForApiAndWorker(baseUrl: string, client: Client, assertAlive: () => void): Promise<void> {
  await waitFor('the API', async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true, assertAlive);
  await waitFor(
    'the worker',
    () =>
      client.workflow
        .getHandle(workflowIds.outboxRelay())
        .describe()
        .then(
          () => true,
          () => false,
        ),
    assertAlive,
  );
}
