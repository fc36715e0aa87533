// The limit's process: an HTTP endpoint that starts one workflow per grant the way the API starts
// grants (plain gRPC client, same search attributes, no eager start) and a worker built by
// workers/worker.ts with the engine's options, whose local activity does one PostgreSQL write.
// A bench child, so it reads its own LIMIT_* variables (config/config.ts is the service's reader).
import { Client, Connection, WorkflowIdConflictPolicy } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Pool } from 'pg';
import type { EngineActivities } from '../../activities/activity-types';
import { createWorker } from '../../workers/worker';
import type { LimitActivities } from './limit.workflows';

const env = process.env;
const TASK_QUEUE = 'bench-limit';
const key = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);
const keys = ['OrganizationId', 'CustomerId', 'BenefitId', 'BenefitType', 'GrantStatus'].map(key);

async function main(): Promise<void> {
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
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never,
  });
  const bundlePath = path.join(env.LIMIT_DIR!, 'limit-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const worker = await createWorker({
    connection: await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! }),
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    activities: activities as unknown as EngineActivities,
    workflowBundlePath: bundlePath,
    maxConcurrentActivities: Number(env.WORKER_MAX_CONCURRENT_ACTIVITIES || 100),
    maxConcurrentWorkflowTasks: Number(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS || 100),
    shutdownGraceSeconds: 2,
  });
  const client = new Client({ connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS! }) });
  const byBenefit = new Map<string, string[]>();

  // POST /purchase {batch, benefitIds[3], customerId}: the grant rows, then one start per grant.
  async function purchase(body: { batch: string; benefitIds: string[]; customerId: string }): Promise<void> {
    const ids = body.benefitIds.map(() => randomUUID());
    await pool.query(`INSERT INTO bench_limit_grants (id, batch, benefit_id) SELECT unnest($1::uuid[]), $2, unnest($3::uuid[])`, [
      ids,
      body.batch,
      body.benefitIds,
    ]);
    await Promise.all(
      ids.map((grantId, i) => {
        const benefitId = body.benefitIds[i];
        const list = byBenefit.get(benefitId) ?? [];
        list.push(grantId);
        byBenefit.set(benefitId, list);
        return client.workflow.start('limitGrantWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: `limit-grant-${grantId}`,
          args: [{ grantId }],
          staticSummary: `customer ${body.customerId} · benefit ${benefitId} (custom)`,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          typedSearchAttributes: new TypedSearchAttributes(
            ['bench-org', body.customerId, benefitId, 'custom', 'pending'].map((value, k) => ({ key: keys[k], value })),
          ),
        });
      }),
    );
  }

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
    worker.shutdown();
  });
  await running;
  await pool.end();
  process.exit(0);
}

const limitRevokeName = 'revoke';

main().catch((err) => {
  process.stderr.write(`limit failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
