// The chaos run's stack: PostgreSQL, the Temporal dev server, the worker and the API as separate
// processes on fixed ports with data on disk, so each can be killed with SIGKILL and started again
// on the same port and data (PostgreSQL's data dir, the dev server's SQLite file).
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../db/data-source';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../db/embedded-postgres';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { freePort } from '../../lib/free-port';
import { DevServer, startDevServer } from '../../scripts/tools/dev-server';
import type { TemporalCliSource } from '../../scripts/tools/tools';
import { Child, Log, registerCleanup, startChild, waitFor, waitForApiAndWorker, withFlags } from './stack';

export type Part = 'worker' | 'temporal' | 'postgres';

export interface ChaosStackOptions {
  /** Folder for PostgreSQL's data and the dev server's SQLite file (removed by the caller). */
  dir: string;
  cli: TemporalCliSource;
  bundlePath: string;
  /** Outbox relay interval (s) for the worker; the service's default is 30. */
  relayIntervalSeconds: number;
  log: Log;
}

export interface ChaosStack {
  baseUrl: string;
  databaseUrl: string;
  token: string;
  organizationId: string;
  /** SIGKILL one part, wait `downMs`, start it again on the same port and data, wait until it serves. */
  killAndRestart(part: Part, downMs: number): Promise<void>;
  /** Throws when the API or the worker exited on its own. */
  assertAlive(): void;
  close(): Promise<void>;
}

const TASK_QUEUE = 'benefits';

export async function startChaosStack(opts: ChaosStackOptions): Promise<ChaosStack> {
  const { log } = opts;
  const pgDir = path.join(opts.dir, 'pg');
  const temporalDb = path.join(opts.dir, 'temporal.sqlite');
  const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  // fsync off: a process killed with SIGKILL leaves its writes in the OS page cache, so durability
  // across these kills does not depend on it (only a machine crash would).
  const startPg = () => startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, fast: true });
  // SQLite without fsync, like PostgreSQL above: a killed server's writes survive in the page cache,
  // and with fsync every workflow start waits on the disk of a machine shared with other work.
  const cli = withFlags(opts.cli, ['--sqlite-pragma', 'synchronous=OFF'], opts.dir);
  const startTemporal = () => startDevServer({ source: cli, port: temporalPort, dbFilename: temporalDb });

  let pg: EmbeddedPostgresHandle = await startPg();
  let temporal: DevServer = await startTemporal();
  const databaseUrl = pg.url;
  const db = await openDatabase({ url: databaseUrl, poolSize: 2, applicationName: 'benefits-chaos' });
  const { organization, accessToken } = await new OrganizationsRepository(db).createWithToken('Chaos');
  await db.destroy();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    WORKFLOW_BUNDLE_PATH: opts.bundlePath,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // Production refuses to start without one; any key will do for a run that starts afresh.
    SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    OUTBOX_RELAY_INTERVAL_SECONDS: String(opts.relayIntervalSeconds),
    // The webhook receiver counting deliveries listens on loopback.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  };
  let worker: Child = startChild('worker', 'workers/main.ts', env, log, []);
  const api: Child = startChild('api', 'api/main.ts', env, log, []);
  const assertAlive = () => [api, worker].forEach((c) => c.assertAlive());

  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  await waitForApiAndWorker(baseUrl, client, assertAlive);
  await waitFor('the worker to poll', () => polling(client, worker.pid), assertAlive);

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await connection.close().catch(() => undefined);
    await Promise.all([api.stop(), worker.stop()]);
    await temporal.stop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
  };
  registerCleanup(close);

  const kill = (pid: number | null, what: string) => {
    if (!pid) throw new Error(`no process id for ${what}`);
    process.kill(pid, 'SIGKILL');
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  return {
    baseUrl,
    databaseUrl,
    token: accessToken,
    organizationId: organization.id,
    assertAlive,
    close,
    killAndRestart: async (part, downMs) => {
      if (part === 'worker') {
        const old = worker;
        kill(old.pid, 'the worker');
        await waitFor(
          'the killed worker to exit',
          async () => !isRunning(old.pid),
          () => undefined,
          10_000,
        );
        await sleep(downMs);
        worker = startChild('worker', 'workers/main.ts', env, log, []);
        await waitFor('the restarted worker to poll', () => polling(client, worker.pid), assertAlive);
      } else if (part === 'temporal') {
        const pid = temporal.pid;
        kill(pid, 'the Temporal dev server');
        await waitFor(
          'the killed Temporal dev server to exit',
          async () => !isRunning(pid!),
          () => undefined,
          10_000,
        );
        await sleep(downMs);
        temporal = await startTemporal();
        await waitFor('the worker to poll the restarted Temporal', () => polling(client, worker.pid), assertAlive);
      } else {
        const pid = postmasterPid(pgDir);
        kill(pid, 'PostgreSQL');
        await waitFor(
          'the killed PostgreSQL to exit',
          async () => !isRunning(pid!),
          () => undefined,
          10_000,
        );
        await sleep(downMs);
        pg = await restartPostgres(startPg, log);
        await waitFor(
          'the API to be ready again',
          async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true,
          assertAlive,
        );
      }
    },
  };
}

/** Whether a worker with this process id polls the task queue (its identity is `pid@host`). */
async function polling(client: Client, pid: number): Promise<boolean> {
  try {
    const res = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: TASK_QUEUE },
      taskQueueType: 1, // workflow tasks
    });
    const cutoff = Date.now() - 5_000;
    return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`) && Number(p.lastAccessTime?.seconds ?? 0) * 1000 > cutoff);
  } catch {
    return false;
  }
}

function postmasterPid(dataDir: string): number | null {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Backends of a killed postmaster exit when they next notice it is gone; until then PostgreSQL
 * refuses to start on their shared memory. So the restart is retried for a while.
 */
async function restartPostgres(start: () => Promise<EmbeddedPostgresHandle>, log: Log): Promise<EmbeddedPostgresHandle> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await start();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      log(`PostgreSQL did not start yet (${String(err).slice(0, 200)}); retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
