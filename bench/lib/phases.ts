// The three measured phases: throughput (closed loop), latency at a fixed rate (open loop) and the
// revocation of every grant of a deleted benefit.
import { ApiClient, closedLoop, nowMs, openLoop } from './load';
import { CpuSnapshot, cpuSnapshot, cpuUsed } from './procfs';
import { Catalog, lastOrderSteps, markTimeline, MarkShape, purchase, PurchaseRecord, purchaseToGranted, waitForMarked } from './setup';
import type { BenchStack, Log } from './stack';
import { distribution, Distribution } from './stats';

export interface PhaseContext {
  stack: BenchStack;
  api: ApiClient;
  log: Log;
  maxWaitMs: number;
}

const BENEFITS_PER_PRODUCT = 3;

export interface PurchaseFigures {
  sent: number;
  accepted: number;
  /** The purchase call itself (HTTP round trip). */
  call: Distribution;
  /** Purchase start to all its grants readable as granted. */
  toGranted: Distribution;
  incomplete: number;
  cpu: CpuUse;
}

export interface CpuUse {
  used: CpuSnapshot;
  wallSeconds: number;
}

function cpuSince(before: CpuSnapshot, start: number, groups: BenchStack['groups']): CpuUse {
  return { used: cpuUsed(before, cpuSnapshot(groups)), wallSeconds: (nowMs() - start) / 1000 };
}

export interface ThroughputResult extends PurchaseFigures {
  purchasesPerSec: number;
  grantsExpected: number;
  grantsDone: number;
  /** First purchase to the poll that saw every grant granted, or to giving up. */
  grantsElapsedMs: number;
  /** Whether every grant was granted before the wait gave up. */
  drained: boolean;
  grantsPerSec: number;
  steadyGrantsPerSec: number;
  /** When the grants were marked (first, 10%, 90%, last), from the first purchase. */
  grantShape: MarkShape | null;
}

const accepted = (records: PurchaseRecord[]) => records.filter((r) => r.orderId !== null);

async function purchaseFigures(ctx: PhaseContext, records: PurchaseRecord[], cpu: CpuUse): Promise<PurchaseFigures> {
  const ok = accepted(records);
  const { latencies, incomplete } = await purchaseToGranted(ctx.stack.db, ok, BENEFITS_PER_PRODUCT);
  return {
    sent: records.length,
    accepted: ok.length,
    call: distribution(ok.map((r) => r.endMs - r.startMs)),
    toGranted: distribution(latencies),
    incomplete,
    cpu,
  };
}

/** Phase A: N purchases at fixed concurrency, and how fast their 3N grants complete. */
export async function throughputPhase(
  ctx: PhaseContext,
  catalog: Catalog,
  customers: string[],
  concurrency: number,
): Promise<ThroughputResult> {
  const { stack, api, log } = ctx;
  const records: PurchaseRecord[] = [];
  let firing = true;
  const expected = () => BENEFITS_PER_PRODUCT * (firing ? customers.length : accepted(records).length);
  const cpuBefore = cpuSnapshot(stack.groups);
  const start = nowMs();
  const waiting = waitForMarked(
    stack,
    {
      benefitIds: catalog.benefitIds,
      mark: 'granted_at',
      expected,
      what: 'granted',
      maxWaitMs: ctx.maxWaitMs,
      note: () => (firing ? `, purchases accepted ${accepted(records).length}/${customers.length}` : ''),
    },
    log,
  );
  // Awaited below; a failure (a child died) must not count as unhandled while purchases still run.
  waiting.catch(() => undefined);
  await closedLoop(customers.length, concurrency, async (i) => {
    records.push(await purchase(api, catalog.productId, customers[i]));
  });
  firing = false;
  const lastAccepted = Math.max(...records.map((r) => r.endMs));
  log(`  ${accepted(records).length}/${records.length} purchases accepted in ${((lastAccepted - start) / 1000).toFixed(1)} s`);
  const wait = await waiting;
  const cpu = cpuSince(cpuBefore, start, stack.groups);
  const elapsed = (wait.doneAtMs ?? nowMs()) - start;
  const ok = accepted(records).length;
  const timeline = await markTimeline(stack.db, catalog.benefitIds, start);
  log(`  last order granted: ${await lastOrderSteps(stack.db, catalog.benefitIds, start)}`);
  return {
    ...(await purchaseFigures(ctx, records, cpu)),
    purchasesPerSec: ok / ((lastAccepted - start) / 1000),
    grantsExpected: BENEFITS_PER_PRODUCT * ok,
    grantsDone: wait.marked,
    grantsElapsedMs: elapsed,
    drained: wait.doneAtMs !== null,
    grantsPerSec: wait.marked / (elapsed / 1000),
    steadyGrantsPerSec: timeline.steadyPerSec,
    grantShape: timeline.shape,
  };
}

export interface LatencyResult extends PurchaseFigures {
  rate: number;
  durationSeconds: number;
  schedulerMaxLagMs: number;
  records: PurchaseRecord[];
  /** Whether every grant of the phase was granted before the wait gave up. */
  drained: boolean;
}

/** Phase B: purchases arrive at a fixed rate (open loop); latency from each one's due time. */
export async function latencyPhase(
  ctx: PhaseContext,
  catalog: Catalog,
  customers: string[],
  rate: number,
  durationSeconds: number,
): Promise<LatencyResult> {
  const { stack, api, log } = ctx;
  const records: PurchaseRecord[] = [];
  const cpuBefore = cpuSnapshot(stack.groups);
  const start = nowMs();
  let firing = true;
  const expected = () => BENEFITS_PER_PRODUCT * (firing ? customers.length : accepted(records).length);
  const waiting = waitForMarked(
    stack,
    {
      benefitIds: catalog.benefitIds,
      mark: 'granted_at',
      expected,
      what: 'granted',
      maxWaitMs: ctx.maxWaitMs,
      note: () => (firing ? `, purchases sent ${records.length}/${customers.length}` : ''),
    },
    log,
  );
  waiting.catch(() => undefined);
  const sent = await openLoop(rate, durationSeconds, async (i, scheduledAt) => {
    records.push(await purchase(api, catalog.productId, customers[i], scheduledAt));
  });
  firing = false;
  const wait = await waiting;
  const cpu = cpuSince(cpuBefore, start, stack.groups);
  return {
    ...(await purchaseFigures(ctx, records, cpu)),
    rate,
    durationSeconds,
    schedulerMaxLagMs: sent.maxLagMs,
    records,
    drained: wait.doneAtMs !== null,
  };
}

export interface RevocationResult {
  grants: number;
  revoked: number;
  /** The DELETE call itself. */
  deleteMs: number;
  /** DELETE start to the poll that saw every grant revoked; null when it stalled. */
  revokeMs: number | null;
  revokesPerSec: number;
  /** Revocations/s while the middle 80% were marked. */
  steadyRevokesPerSec: number;
  revokeShape: MarkShape | null;
  cpu: CpuUse;
}

/** Phase C: delete a benefit every phase A customer holds; time until all its grants are revoked. */
export async function revocationPhase(ctx: PhaseContext, benefitId: string): Promise<RevocationResult> {
  const { stack, api, log } = ctx;
  const [{ n: grants }] = await stack.db.query(`SELECT count(*)::int AS n FROM benefit_grants WHERE benefit_id = $1`, [benefitId]);
  const cpuBefore = cpuSnapshot(stack.groups);
  const start = nowMs();
  await api.expect(204, 'DELETE', `/v1/benefits/${benefitId}`);
  const deleteMs = nowMs() - start;
  const wait = await waitForMarked(
    stack,
    { benefitIds: [benefitId], mark: 'revoked_at', expected: () => grants, what: 'revoked', maxWaitMs: ctx.maxWaitMs },
    log,
  );
  const cpu = cpuSince(cpuBefore, start, stack.groups);
  const revokeMs = wait.doneAtMs === null ? null : wait.doneAtMs - start;
  const timeline = await markTimeline(stack.db, [benefitId], start, 'revoked_at');
  return {
    grants,
    revoked: wait.marked,
    deleteMs,
    revokeMs,
    revokesPerSec: revokeMs === null ? NaN : wait.marked / (revokeMs / 1000),
    steadyRevokesPerSec: timeline.steadyPerSec,
    revokeShape: timeline.shape,
    cpu,
  };
}

/** A few purchases first, so JIT, pools and caches are warm and the worker is known to work. */
export async function warmUp(ctx: PhaseContext, catalog: Catalog, customers: string[]): Promise<void> {
  await closedLoop(customers.length, 10, async (i) => {
    const r = await purchase(ctx.api, catalog.productId, customers[i]);
    if (!r.orderId) throw new Error(`warm-up purchase failed with HTTP ${r.status}`);
  });
  const expected = () => customers.length * BENEFITS_PER_PRODUCT;
  const wait = await waitForMarked(
    ctx.stack,
    { benefitIds: catalog.benefitIds, mark: 'granted_at', expected, what: 'warm-up granted', maxWaitMs: ctx.maxWaitMs },
    ctx.log,
  );
  if (wait.doneAtMs === null) throw new Error('warm-up grants never completed: is the worker polling the task queue?');
}
