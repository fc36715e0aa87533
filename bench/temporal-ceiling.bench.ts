// `npm run bench:temporal-ceiling`: what the Temporal dev server and one TypeScript worker can do at
// best on this machine for grant-shaped workflows whose activity does nothing (no PostgreSQL, no
// API): N starts then N revoke signals, C at a time from a client in the worker's process. The
// gap between these figures and bench:grants is the engine's own work; these are the ceiling any
// one-workflow-per-grant design meets on the dev server. Prints figures, asserts nothing.
import { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../lib/free-port';
import { startDevServer } from '../scripts/tools/dev-server';
import { ensureTemporalCli } from '../scripts/tools/tools';
import { childNamed, cpuSnapshot, cpuUsed, ProcessGroups } from './lib/procfs';

const n = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 50);
const log = (msg: string) => process.stdout.write(`[ceiling] ${msg}\n`);
const GrantStatus = defineSearchAttributeKey('GrantStatus', SearchAttributeType.KEYWORD);

async function main(): Promise<void> {
  Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => log(m) } as never });
  const temporal = await startDevServer({ source: await ensureTemporalCli(log), port: await freePort() });
  const groups: ProcessGroups = { api: null, worker: process.pid, temporal: childNamed(process.pid, 'temporal'), postgres: null };
  const connection = await NativeConnection.connect({ address: temporal.address });
  let done = 0;
  const worker = await Worker.create({
    connection,
    taskQueue: 'ceiling',
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'ceiling', 'ceiling.workflows.ts'),
      logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never,
    }),
    activities: { noop: async () => void done++ },
    maxConcurrentWorkflowTaskExecutions: 100,
    maxCachedWorkflows: n + 100,
  });
  const client = new Client({ connection });
  const running = worker.run();
  try {
    const phase = async (label: string, call: (i: number) => Promise<unknown>) => {
      done = 0;
      const before = cpuSnapshot(groups);
      const started = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) await call(next++);
        }),
      );
      while (done < n) await new Promise((r) => setTimeout(r, 20));
      const seconds = (Date.now() - started) / 1000;
      const used = cpuUsed(before, cpuSnapshot(groups));
      const per = (k: 'temporal' | 'worker') => ((used[k] ?? NaN) * 1000) / n;
      log(
        `${label}: ${n} in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(1)}/s; CPU per workflow: dev server ${per('temporal').toFixed(1)} ms ` +
          `(${Math.round(((used.temporal ?? 0) / seconds) * 100)}% of a core), worker+client ${per('worker').toFixed(1)} ms; ` +
          `host steal ${Math.round(((used.steal ?? 0) / seconds) * 100)}% of a core`,
      );
    };
    await phase('grant (start with command, local activity, upsert)', (i) =>
      client.workflow.start('ceilingGrantWorkflow', {
        taskQueue: 'ceiling',
        workflowId: `ceiling-${i}`,
        requestEagerStart: true,
        typedSearchAttributes: new TypedSearchAttributes([{ key: GrantStatus, value: 'pending' }]),
      }),
    );
    await phase('revoke (signal, local activity, upsert, close)', (i) => client.workflow.getHandle(`ceiling-${i}`).signal('revoke'));
    log(`${os.availableParallelism()} cores; concurrency ${concurrency}`);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`ceiling bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
