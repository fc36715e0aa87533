// The API alone in a child process (as in production) on a database the bench prepared, measured
// from the parent, which generates the load: requests, latency, and the CPU the API and PostgreSQL
// spent per request (from /proc). Used by the benches of one endpoint beside /healthz.
import { Connection, Client } from '@temporalio/client';
import { fork, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../api/app';
import { parseConfig } from '../../config/config';
import { createDataSource } from '../../db/data-source';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { freePort } from '../../lib/free-port';
import { createLogger } from '../../lib/logger';
import { merge, runLoad, summary, type LoadResult, type LoadSpec } from '../load-generator';
import { cpuMs, postgresPids } from '../proc-cpu';

/** A throwaway embedded PostgreSQL (durable unless `fast`: fsync off) in a fresh temporary folder. */
export async function startBenchDatabase(
  label: string,
  fast: boolean,
): Promise<{ url: string; dataDir: string; stop: () => Promise<void> }> {
  const work = await mkdtemp(path.join(os.tmpdir(), `bench-${label}-`));
  await chmod(work, 0o755); // PostgreSQL runs as `postgres` when we are root
  const dataDir = path.join(work, 'pg', 'data');
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), fast });
  return {
    url: pg.url,
    dataDir,
    stop: async () => {
      await pg.stop();
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** A load run with the CPU the API and PostgreSQL spent on it. */
export interface Measured extends LoadResult {
  apiCpuMs: number;
  dbCpuMs: number;
}

/** `--key=value` arguments as a record (a bare `--flag` is 'true'). */
export function benchArgs(argv: string[]): Record<string, string> {
  return Object.fromEntries(
    argv.map((a) => {
      const [k, v] = a.replace(/^--/, '').split('=');
      return [k, v ?? 'true'];
    }),
  );
}

/**
 * Child mode: serves the API on DATABASE_URL and tells the parent its port. Temporal is a lazy
 * connection to nowhere: these endpoints answer once PostgreSQL has committed and never call it
 * (a purchase's workflows are started by a worker's dispatcher, which the bench does not run).
 */
export async function serveApi(logLevel: string): Promise<void> {
  // Public endpoints name each client in X-Forwarded-For: trusted from loopback, as behind a proxy,
  // or every request would count against one address's rate limit.
  const config = parseConfig({ TRUST_PROXY: 'loopback', ...process.env, NODE_ENV: 'production', LOG_LEVEL: logLevel });
  const dataSource = createDataSource({ url: config.DATABASE_URL!, poolSize: config.DATABASE_POOL_SIZE });
  await dataSource.initialize();
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = createApp({ config, logger: createLogger(config.LOG_LEVEL, 'bench-api'), dataSource, temporal });
  const s = app.listen(0, '127.0.0.1', () => process.send?.({ port: (s.address() as { port: number }).port }));
  // A normal exit, so --profile's CPU profile gets written.
  process.on('SIGTERM', () => process.exit(0));
}

/** A bench's entry: the API's child mode with `--server`, else the bench itself; failures exit 1. */
export function runApiBench(args: Record<string, string>, main: () => Promise<void>, logLevel: string): void {
  const [run, what] = args.server === 'true' ? [() => serveApi(logLevel), 'bench API'] : [main, 'bench'];
  run().catch((err) => {
    process.stderr.write(`${what} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

/** Forks `script` with `--server` (its child mode); with `profileDir`, the child writes a CPU profile there. */
export function startApiChild(script: string, databaseUrl: string, profileDir?: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(script, ['--server', ...process.argv.slice(2)], {
    execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`API exited with ${code}`)));
  });
}

export async function stopApiChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
}

export async function measured(spec: LoadSpec, connections: number, seconds: number, apiPid: number, dataDir: string): Promise<Measured> {
  const db = postgresPids(dataDir);
  const [api0, db0] = [cpuMs([apiPid]), cpuMs(db)];
  const r = await runLoad(spec, connections, seconds);
  return { ...r, apiCpuMs: cpuMs([apiPid]) - api0, dbCpuMs: cpuMs(db) - db0 };
}

export function mergeMeasured(runs: Measured[]): Measured {
  return { ...merge(runs), apiCpuMs: runs.reduce((a, r) => a + r.apiCpuMs, 0), dbCpuMs: runs.reduce((a, r) => a + r.dbCpuMs, 0) };
}

/**
 * Each spec for `seconds` in all, taken in turn in slices of `sliceSeconds`, so the host's drift
 * falls on every endpoint alike; merged per spec.
 */
export async function measuredInSlices<K extends string>(
  specs: Record<K, LoadSpec>,
  connections: number,
  seconds: number,
  sliceSeconds: number,
  apiPid: number,
  dataDir: string,
): Promise<Record<K, Measured>> {
  const names = Object.keys(specs) as K[];
  const runs = new Map<K, Measured[]>(names.map((k) => [k, []]));
  for (let done = 0; done < seconds; done += sliceSeconds) {
    for (const name of names) runs.get(name)!.push(await measured(specs[name], connections, sliceSeconds, apiPid, dataDir));
  }
  return Object.fromEntries(names.map((k) => [k, mergeMeasured(runs.get(k)!)])) as Record<K, Measured>;
}

/** Server-side CPU (API + PostgreSQL) per request, in microseconds. */
export const cpuPerRequest = (r: Measured) => ((r.apiCpuMs + r.dbCpuMs) * 1000) / Math.max(1, r.requests);

export const tableHeader = (nameWidth = 34) =>
  `${'endpoint'.padEnd(nameWidth)} ${'requests'.padStart(9)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'errors'.padStart(7)} ${'api µs'.padStart(7)} ${'db µs'.padStart(7)}`;

export function tableLine(name: string, r: Measured, nameWidth = 34): string {
  const s = summary(r);
  const f = (n: number) => n.toFixed(2).padStart(8);
  const us = (ms: number) => ((ms * 1000) / Math.max(1, r.requests)).toFixed(0).padStart(7);
  return `${name.padEnd(nameWidth)} ${String(r.requests).padStart(9)} ${s.rps.toFixed(0).padStart(9)} ${f(s.p50)} ${f(s.p99)} ${f(s.max)} ${String(r.errors).padStart(7)} ${us(r.apiCpuMs)} ${us(r.dbCpuMs)}`;
}
