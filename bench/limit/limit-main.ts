// The limit's process: an HTTP endpoint that records a purchase's grants the way the API records
// an order (one commit, a LISTEN/NOTIFY wake-up in it, answered at once) and a worker process that
// starts them the way the engine's dispatcher does (claim a batch with leases, start each from the
// worker's own connection with eager start, mark the batch started), built by workers/worker.ts
// with the engine's options, whose local activity does one PostgreSQL write.
// A bench child, so it reads its own LIMIT_* variables (config/config.ts is the service's reader).
import { Client, WorkflowIdConflictPolicy } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Pool } from 'pg';
import type { EngineActivities } from '../../activities/activity-types';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../config/worker-memory';
import { preloadedModules } from '../../scripts/bundle-workflows';
import { runBounded } from '../../lib/bounded';
import { lowerCpuPriority } from '../../lib/cpu-priority';
import { drainLoop } from '../../lib/drain-loop';
import { listen } from '../../db/pg-listener';
import { createWorker } from '../../workers/worker';
import type { LimitActivities } from './limit.workflows';
const env = process.env;
const TASK_QUEUE = 'bench-limit';
const key = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);
const keys = ['OrganizationId', 'CustomerId', 'BenefitId', 'BenefitType', 'GrantStatus'].map(key);

async function main(): Promise<void> {
  // The limit is a worker: it runs at the engine worker's CPU priority (first, so its threads inherit it).
  lowerCpuPriority(process.pid, Number(env.WORKER_NICENESS || 0));
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE || 10) });
  // PostgreSQL may stop first at the end of a run: an idle connection's error is not a failure.
  pool.on('error', () => undefined);
  const activities: LimitActivities = {
    // One statement, one round trip, committed on its own.
    async mark(grantId, action) {
      await pool.query(
        action === 'grant'
          ? `UPDATE bench_limit_grants SET granted_at = now() WHERE id = $1`
          : `UPDATE bench_limit_grants SET revoked_at = now() WHERE id = $1`,
        [grantId],
      );
    },
  };
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'limit.workflows.ts'),
    preloadModules: preloadedModules(path.join(__dirname, 'limit.workflows.ts')),
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never,
  });
  const bundlePath = path.join(env.LIMIT_DIR!, 'limit-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    activities: activities as unknown as EngineActivities,
    workflowBundlePath: bundlePath,
    maxConcurrentActivities: Number(env.WORKER_MAX_CONCURRENT_ACTIVITIES || 100),
    maxConcurrentWorkflowTasks: Number(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS || 100),
    maxCachedWorkflows: Number(env.WORKER_MAX_CACHED_WORKFLOWS || DEFAULT_MAX_CACHED_WORKFLOWS),
    shutdownGraceSeconds: 2,
  });
  // Starts go through the worker's connection, as the engine's dispatcher's do (eager start).
  const client = new Client({ connection });
  const byBenefit = new Map<string, string[]>();

  // POST /purchase {batch, benefitIds[3], customerId}: the grant rows and the wake-up, one commit.
  async function purchase(body: { batch: string; benefitIds: string[]; customerId: string }): Promise<void> {
    const ids = body.benefitIds.map(() => randomUUID());
    await pool.query(
      `WITH g AS (INSERT INTO bench_limit_grants (id, batch, benefit_id, customer_id)
                  SELECT unnest($1::uuid[]), $2, unnest($3::uuid[]), $4 RETURNING id)
       SELECT pg_notify('${CHANNEL}', '') FROM (SELECT 1 FROM g LIMIT 1) one`,
      [ids, body.batch, body.benefitIds, body.customerId],
    );
    body.benefitIds.forEach((benefitId, i) => byBenefit.set(benefitId, [...(byBenefit.get(benefitId) ?? []), ids[i]]));
  }

  // The dispatcher: the engine's batch (64 orders of 3 grants), concurrency and lease.
  const start = (g: { id: string; benefit_id: string; customer_id: string }) =>
    client.workflow.start('limitGrantWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `limit-grant-${g.id}`,
      args: [{ grantId: g.id }],
      staticSummary: `customer ${g.customer_id} · benefit ${g.benefit_id} (custom)`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      requestEagerStart: true,
      typedSearchAttributes: new TypedSearchAttributes(
        ['bench-org', g.customer_id, g.benefit_id, 'custom', 'pending'].map((value, k) => ({ key: keys[k], value })),
      ),
    });
  async function drain(): Promise<void> {
    for (;;) {
      const { rows } = await pool.query(
        `UPDATE bench_limit_grants SET lease_until = now() + interval '30 seconds'
          WHERE id IN (SELECT id FROM bench_limit_grants WHERE started_at IS NULL AND (lease_until IS NULL OR lease_until < now())
                        ORDER BY created_at, id LIMIT 192 FOR UPDATE SKIP LOCKED)
        RETURNING id, benefit_id, customer_id`,
      );
      const started: string[] = [];
      await runBounded(
        rows.map((g) => async () => {
          await start(g).then(
            () => void started.push(g.id),
            (err) => process.stderr.write(`start failed: ${String(err)}\n`),
          );
        }),
        96,
      );
      if (started.length > 0)
        await pool.query(`UPDATE bench_limit_grants SET started_at = now(), lease_until = NULL WHERE id = ANY($1::uuid[])`, [started]);
      if (rows.length < 192) return;
    }
  }
  const loop = drainLoop(drain, { pollMs: 2_000, onError: (err) => process.stderr.write(`drain failed: ${String(err)}\n`) });
  const listener = listen(pool, {
    channel: CHANNEL,
    onNotify: () => loop.wake(),
    onConnected: () => loop.wake(),
    onError: () => undefined,
  });

  // POST /revoke {benefitId}: answers at once and signals every grant of the benefit, 50 at a time.
  function revoke(body: { benefitId: string }): void {
    const ids = [...(byBenefit.get(body.benefitId) ?? [])];
    let next = 0;
    const lane = async () => {
      while (next < ids.length) await client.workflow.getHandle(`limit-grant-${ids[next++]}`).signal(limitRevokeName);
    };
    void Promise.all(Array.from({ length: 50 }, lane)).catch((err) => process.stderr.write(`revoke failed: ${String(err)}\n`));
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : {};
      const done = (status: number) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (req.url === '/purchase')
        purchase(body).then(
          () => done(201),
          (err) => {
            process.stderr.write(`${String(err)}\n`);
            done(500);
          },
        );
      else if (req.url === '/revoke') {
        revoke(body);
        done(202);
      } else done(req.url === '/readyz' ? 200 : 404);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(env.LIMIT_PORT), '127.0.0.1');
  const running = worker.run();
  process.once('SIGTERM', () => {
    server.close();
    void listener.close();
    void loop.stop();
    worker.shutdown();
  });
  await running;
  await pool.end();
  process.exit(0);
}

const limitRevokeName = 'revoke';
const CHANNEL = 'bench_limit_work';

main().catch((err) => {
  process.stderr.write(`limit failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
