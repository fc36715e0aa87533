// Benchmark fixtures and observations: products with benefits through the HTTP API, customers in
// bulk through SQL, purchases, and polling PostgreSQL for what the API would read.
import type { DataSource } from 'typeorm';
import { ApiClient, nowMs } from './load';
import type { BenchStack, Log } from './stack';

export interface Catalog {
  productId: string;
  benefitIds: string[];
}

/** A one-time product with three benefits (custom, feature_flag, custom), through the API. */
export async function createCatalog(api: ApiClient, label: string): Promise<Catalog> {
  const specs = [
    { type: 'custom', description: `${label}: onboarding call`, properties: { note: 'Book at cal.com/bench' } },
    { type: 'feature_flag', description: `${label}: premium features`, properties: {} },
    { type: 'custom', description: `${label}: private community`, properties: { note: null } },
  ];
  const benefitIds: string[] = [];
  for (const spec of specs) benefitIds.push((await api.expect(201, 'POST', '/v1/benefits/', spec)).id);
  const product = await api.expect(201, 'POST', '/v1/products/', {
    name: `${label} product`,
    prices: [{ amount_type: 'fixed', price_amount: 4900, price_currency: 'usd' }],
  });
  await api.expect(200, 'POST', `/v1/products/${product.id}/benefits`, { benefits: benefitIds });
  return { productId: product.id, benefitIds };
}

/**
 * Inserts customers straight into PostgreSQL: 10,000 POST /v1/customers/ would measure customer
 * creation, not grants, and take most of a run on 2 cores. The report says so.
 */
export async function insertCustomers(db: DataSource, organizationId: string, count: number, tag: string): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO customers (organization_id, email, name)
     SELECT $1, 'bench-' || $2 || '-' || g || '@example.com', 'Bench customer ' || g FROM generate_series(1, $3) AS g
     RETURNING id`,
    [organizationId, tag, count],
  );
  return rows.map((r) => r.id);
}

export interface PurchaseRecord {
  /** When the purchase was due (open loop) or its call started (closed loop), epoch ms. */
  startMs: number;
  endMs: number;
  status: number;
  orderId: string | null;
}

export async function purchase(api: ApiClient, productId: string, customerId: string, startMs = nowMs()): Promise<PurchaseRecord> {
  try {
    const res = await api.request('POST', '/v1/orders/', { customer_id: customerId, product_id: productId });
    const orderId = res.status === 201 && typeof res.body?.id === 'string' ? res.body.id : null;
    return { startMs, endMs: nowMs(), status: res.status, orderId };
  } catch {
    return { startMs, endMs: nowMs(), status: 0, orderId: null };
  }
}

export type GrantMark = 'granted_at' | 'revoked_at';

/** The engine's grants, or the limit's (bench/limit): the same columns, so the same queries. */
export type GrantTable = 'benefit_grants' | 'bench_limit_grants';

export async function countMarked(
  db: DataSource,
  benefitIds: string[],
  mark: GrantMark,
  table: GrantTable = 'benefit_grants',
): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE benefit_id = ANY($1::uuid[]) AND ${mark} IS NOT NULL`, [
    benefitIds,
  ]);
  return row.n;
}

export interface WaitResult {
  /** Epoch ms of the poll that first saw every grant marked; null when it gave up. */
  doneAtMs: number | null;
  marked: number;
}

export interface WaitSpec {
  benefitIds: string[];
  mark: GrantMark;
  /** Read on every poll, so a wait can run alongside the purchases and settle on those accepted. */
  expected: () => number;
  what: string;
  /** Appended to progress lines (e.g. purchases sent so far). */
  note?: () => string;
  maxWaitMs: number;
  table?: GrantTable;
}

const POLL_MS = 200;
const PROGRESS_MS = 3_000;
const BACKLOG_EVERY = 5; // progress lines
const STALL_MS = 90_000;

/**
 * Polls every 200 ms until `expected` grants of the benefits carry `mark`, printing progress (and
 * every few lines Temporal's task queue backlog); gives up when nothing moved for 90 s or the
 * time budget is spent.
 */
export async function waitForMarked(stack: BenchStack, spec: WaitSpec, log: Log): Promise<WaitResult> {
  const started = nowMs();
  let [lastCount, lastMove, lastPrint, lines] = [-1, started, started, 0];
  for (;;) {
    stack.assertAlive();
    const marked = await countMarked(stack.db, spec.benefitIds, spec.mark, spec.table);
    const now = nowMs();
    if (marked >= spec.expected()) return { doneAtMs: now, marked };
    if (marked !== lastCount) [lastCount, lastMove] = [marked, now];
    if (now - lastPrint >= PROGRESS_MS) {
      lastPrint = now;
      log(`  ${spec.what}: ${marked}/${spec.expected()} after ${((now - started) / 1000).toFixed(0)} s${spec.note?.() ?? ''}`);
      if (++lines % BACKLOG_EVERY === 0) log(`    ${await stack.backlog().catch((err) => `backlog unknown: ${String(err)}`)}`);
    }
    const reason =
      now - lastMove > STALL_MS
        ? `no progress for ${STALL_MS / 1000} s`
        : now - started > spec.maxWaitMs
          ? `waited ${spec.maxWaitMs / 60_000} min`
          : null;
    if (reason) {
      log(`  ${spec.what}: ${reason}, giving up at ${marked}/${spec.expected()}`);
      log(`    ${await stack.backlog().catch((err) => `backlog unknown: ${String(err)}`)}`);
      return { doneAtMs: null, marked };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Per purchase: max(granted_at) of its grants minus the purchase's start. granted_at is PostgreSQL's
 * now() of the transaction that marks the grant, i.e. its start; the row becomes readable at that
 * transaction's commit a few ms later, so these figures are low by one transaction's duration.
 */
export async function purchaseToGranted(
  db: DataSource,
  records: PurchaseRecord[],
  perOrder: number,
): Promise<{ latencies: number[]; incomplete: number }> {
  const byOrder = new Map(records.filter((r) => r.orderId).map((r) => [r.orderId!, r]));
  const rows: { order_id: string; at: Date; n: number }[] = await db.query(
    `SELECT order_id, max(granted_at) AS at, count(*)::int AS n FROM benefit_grants
      WHERE order_id = ANY($1::uuid[]) AND granted_at IS NOT NULL GROUP BY order_id`,
    [[...byOrder.keys()]],
  );
  const latencies = rows.filter((r) => r.n >= perOrder).map((r) => r.at.getTime() - byOrder.get(r.order_id)!.startMs);
  return { latencies, incomplete: records.length - latencies.length };
}

/** When the phase's marks landed, in ms from its start: where a whole run loses to its steady rate. */
export interface MarkShape {
  firstMs: number;
  p10Ms: number;
  p90Ms: number;
  lastMs: number;
}

export interface MarkTimeline {
  /** Grants/s while the middle 80% of the grants were marked: the sustained rate, without ramp-up or tail. */
  steadyPerSec: number;
  shape: MarkShape | null;
}

export async function markTimeline(
  db: DataSource,
  benefitIds: string[],
  startMs: number,
  mark: GrantMark = 'granted_at',
  table: GrantTable = 'benefit_grants',
): Promise<MarkTimeline> {
  const rows: { at: Date }[] = await db.query(
    `SELECT ${mark} AS at FROM ${table} WHERE benefit_id = ANY($1::uuid[]) AND ${mark} IS NOT NULL ORDER BY ${mark}`,
    [benefitIds],
  );
  if (rows.length < 10) return { steadyPerSec: NaN, shape: null };
  const lo = Math.floor(rows.length * 0.1);
  const hi = Math.floor(rows.length * 0.9);
  const at = (i: number) => rows[i].at.getTime() - startMs;
  const spanMs = at(hi) - at(lo);
  return {
    steadyPerSec: spanMs > 0 ? (hi - lo) / (spanMs / 1000) : NaN,
    shape: { firstMs: at(0), p10Ms: at(lo), p90Ms: at(hi), lastMs: at(rows.length - 1) },
  };
}

/** The order granted last, step by step from the phase's start: where a tail's time went. */
export async function lastOrderSteps(db: DataSource, benefitIds: string[], startMs: number): Promise<string> {
  const rows: { ordered: Date; dispatched: Date | null; rows_at: Date; granted: Date }[] = await db.query(
    `SELECT o.created_at AS ordered, o.workflow_started_at AS dispatched, min(g.created_at) AS rows_at, max(g.granted_at) AS granted
       FROM benefit_grants g JOIN orders o ON o.id = g.order_id
      WHERE g.benefit_id = ANY($1::uuid[]) AND g.granted_at IS NOT NULL
      GROUP BY o.id ORDER BY max(g.granted_at) DESC LIMIT 1`,
    [benefitIds],
  );
  if (rows.length === 0) return 'none granted';
  const at = (d: Date | null) => (d ? `${((d.getTime() - startMs) / 1000).toFixed(2)} s` : 'never');
  const [r] = rows;
  return `ordered ${at(r.ordered)}, grant rows ${at(r.rows_at)}, marked dispatched ${at(r.dispatched)}, granted ${at(r.granted)}`;
}
