// The limit beside the engine: bench/limit/limit-main.ts as another child of the same stack (same
// PostgreSQL, same dev server, worker options from workers/worker.ts), and its two phases measured
// with the engine's code: the same closed loop, the same 200 ms poll, the same steady-rate query.
import { randomUUID } from 'node:crypto';
import { workerNodeArgs } from '../../config/worker-memory';
import { freePort } from '../../lib/free-port';
import { closedLoop, nowMs } from './load';
import { CpuUse, PhaseContext } from './phases';
import { cpuSnapshot, cpuUsed, ProcessGroups } from './procfs';
import { markTimeline, MarkTimeline, waitForMarked } from './setup';
import { BenchStack, Log, registerCleanup, startChild, waitFor } from './stack';

export interface Limit {
  pid: number;
  stop(): Promise<void>;
  groups: ProcessGroups;
  post(path: string, body: unknown): Promise<number>;
}

export async function startLimit(stack: BenchStack, log: Log, profileDir: string | null = null): Promise<Limit> {
  if (!stack.servers) throw new Error('the limit needs an isolated stack');
  await stack.db.query(
    `CREATE TABLE IF NOT EXISTS bench_limit_grants (id uuid PRIMARY KEY, batch text NOT NULL, benefit_id uuid NOT NULL,
       customer_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, lease_until timestamptz,
       granted_at timestamptz, revoked_at timestamptz)`,
  );
  // The engine's claim is served by a partial index of unstarted rows: the limit's is too.
  await stack.db.query(
    `CREATE INDEX IF NOT EXISTS bench_limit_grants_unstarted ON bench_limit_grants (created_at, id) WHERE started_at IS NULL`,
  );
  await stack.db.query(`CREATE INDEX IF NOT EXISTS bench_limit_grants_benefit ON bench_limit_grants (benefit_id)`);
  const port = await freePort();
  const child = startChild(
    'limit',
    'bench/limit/limit-main.ts',
    { ...stack.servers.env, LIMIT_PORT: String(port), LIMIT_DIR: stack.servers.dir },
    log,
    // The limit's worker runs with the engine worker's heap limit.
    [...workerNodeArgs(), ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
  );
  registerCleanup(() => child.stop());
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'the limit',
    async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok === true,
    () => child.assertAlive(),
  );
  return {
    pid: child.pid,
    stop: () => child.stop(),
    groups: { ...stack.groups, api: child.pid, worker: null },
    post: async (path, body) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.text();
      return res.status;
    },
  };
}

/** With the steady rate (middle 80% of the marks) and when the marks landed, from the phase's start. */
export interface RateFigures extends MarkTimeline {
  count: number;
  /** Whole run: first call to the poll that saw the last one marked. */
  perSec: number;
  drained: boolean;
  cpu: CpuUse;
}

const cpuSince = (before: ReturnType<typeof cpuSnapshot>, start: number, groups: ProcessGroups): CpuUse => ({
  used: cpuUsed(before, cpuSnapshot(groups)),
  wallSeconds: (nowMs() - start) / 1000,
});

/** The limit's phase A: `customers` purchases of 3 grants, `concurrency` at a time. */
export async function limitGrants(
  ctx: PhaseContext,
  limit: Limit,
  customers: number,
  concurrency: number,
): Promise<RateFigures & { benefitIds: string[]; calls: number[] }> {
  const benefitIds = [randomUUID(), randomUUID(), randomUUID()];
  const batch = randomUUID();
  const before = cpuSnapshot(limit.groups);
  const start = nowMs();
  let failed = 0;
  const waiting = waitForMarked(
    { ...ctx.stack, assertAlive: () => ctx.stack.assertAlive() },
    {
      benefitIds,
      mark: 'granted_at',
      expected: () => 3 * (customers - failed),
      what: 'limit granted',
      maxWaitMs: ctx.maxWaitMs,
      table: 'bench_limit_grants',
    },
    ctx.log,
  );
  waiting.catch(() => undefined);
  const calls: number[] = [];
  await closedLoop(customers, concurrency, async () => {
    const sent = nowMs();
    if ((await limit.post('/purchase', { batch, benefitIds, customerId: randomUUID() }).catch(() => 0)) !== 201) failed++;
    else calls.push(nowMs() - sent);
  });
  const wait = await waiting;
  const cpu = cpuSince(before, start, limit.groups);
  const elapsed = (wait.doneAtMs ?? nowMs()) - start;
  return {
    benefitIds,
    calls,
    count: wait.marked,
    perSec: wait.marked / (elapsed / 1000),
    ...(await markTimeline(ctx.stack.db, benefitIds, start, 'granted_at', 'bench_limit_grants')),
    drained: wait.doneAtMs !== null,
    cpu,
  };
}

/** The limit's phase C: every grant of one benefit revoked (signal per grant, 50 at a time). */
export async function limitRevokes(ctx: PhaseContext, limit: Limit, benefitId: string): Promise<RateFigures> {
  const [{ n }] = await ctx.stack.db.query(`SELECT count(*)::int AS n FROM bench_limit_grants WHERE benefit_id = $1`, [benefitId]);
  const before = cpuSnapshot(limit.groups);
  const start = nowMs();
  if ((await limit.post('/revoke', { benefitId })) !== 202) throw new Error('limit revoke refused');
  const wait = await waitForMarked(
    ctx.stack,
    {
      benefitIds: [benefitId],
      mark: 'revoked_at',
      expected: () => n,
      what: 'limit revoked',
      maxWaitMs: ctx.maxWaitMs,
      table: 'bench_limit_grants',
    },
    ctx.log,
  );
  const cpu = cpuSince(before, start, limit.groups);
  const elapsed = (wait.doneAtMs ?? nowMs()) - start;
  return {
    count: wait.marked,
    perSec: wait.marked / (elapsed / 1000),
    ...(await markTimeline(ctx.stack.db, [benefitId], start, 'revoked_at', 'bench_limit_grants')),
    drained: wait.doneAtMs !== null,
    cpu,
  };
}
