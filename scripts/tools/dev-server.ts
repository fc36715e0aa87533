// Starts the Temporal dev server (server + SQLite + Web UI in one binary). With a CLI on disk we
// run it as our own child (so stopping it is ours to order and wait for); on a laptop without
// one, the SDK's ephemeral-server download does the same job.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { lowerCpuPriority } from '../../lib/cpu-priority';
import { isListening } from '../../lib/free-port';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { TemporalCliSource, toDevServerOption } from './tools';

export interface DevServerOptions {
  source: TemporalCliSource;
  port: number;
  namespace?: string;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for data that outlives restarts; omit for in-memory. */
  dbFilename?: string;
  /** Unix niceness of the server's threads once it listens (lib/cpu-priority.ts; our own child only); omit for normal priority. */
  niceness?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** The server's process id when it is our own child (chaos runs kill it); null when the SDK runs it. */
  pid: number | null;
  stop(): Promise<void>;
}

/**
 * What the CLI's dev defaults cost a one-workflow-per-grant engine (values given here win over them):
 * it re-reads search attributes from SQLite on every use (about 15 reads per grant; ours are
 * registered at start, so the cache is right), spreads a task queue over 4 partitions (one poller
 * set then waits on the wrong one), and keeps a small history cache (evictions replay histories).
 */
export const DYNAMIC_CONFIG = [
  'system.forceSearchAttributesCacheRefreshOnRead=false',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
  'history.cacheMaxSize=20000',
  'history.hostLevelCacheMaxSize=20000',
];

/** The file-backed server (npm start, chaos): write-ahead log, one fsync per checkpoint, not per commit. */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = opts.uiPort !== undefined ? `http://127.0.0.1:${opts.uiPort}` : null;
  if (opts.source.kind === 'download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: toDevServerOption(opts.source),
        ip: '127.0.0.1',
        port: opts.port,
        namespace: opts.namespace ?? 'default',
        ui: opts.uiPort !== undefined,
        uiPort: opts.uiPort,
        dbFilename: opts.dbFilename,
        searchAttributes: SEARCH_ATTRIBUTES.map((name) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD)),
      },
    });
    return { address, uiUrl, pid: null, stop: () => env.teardown() };
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-format',
    'json',
    '--log-level',
    'warn',
    // A workflow task that schedules an activity gets it back in its own response (no extra poll
    // round trip): measured about a quarter less server CPU per grant.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    ...DYNAMIC_CONFIG.flatMap((kv) => ['--dynamic-config-value', kv]),
    // Search attributes given here are registered when the namespace is first created in the db.
    ...SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename, ...SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p])] : []),
    ...(opts.uiPort !== undefined ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
  ];
  const child = spawn(opts.source.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  await waitUntilListening(child, opts.port, () => stderr);
  if (opts.niceness && child.pid) lowerCpuPriority(child.pid, opts.niceness);
  return { address, uiUrl, pid: child.pid ?? null, stop: () => stopChild(child) };
}

async function waitUntilListening(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited (${child.exitCode}): ${stderr()}`);
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`Temporal dev server did not listen on ${port} within 60 s: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
