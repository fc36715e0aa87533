// One chaos run: purchases in flight through the API while the worker, the Temporal dev server and
// PostgreSQL are killed with SIGKILL and restarted in turn; then, once everything settled, how often
// each grant happened, in PostgreSQL and at the merchant's webhook endpoint (the external effect).
import { Pool } from 'pg';
import { ApiClient } from './load';
import { ChaosStack, Part, startChaosStack } from './chaos-stack';
import { createCatalog } from './setup';
import { GrantEffects, startEffectCounter } from './chaos-effects';
import type { Log } from './stack';
import type { TemporalCliSource } from '../../scripts/tools/tools';

export interface ChaosOptions {
  dir: string;
  cli: TemporalCliSource;
  bundlePath: string;
  /** Purchases put in flight at once before the first kill. */
  purchases: number;
  /** Benefits of the product purchased (1-3): each purchase is this many grants. */
  benefits: number;
  /** Purchases per second sent from the first kill until the last part is back. */
  rate: number;
  kills: Part[];
  /** How long each killed part stays down before it is started again. */
  downMs: number;
  /** Pause after each part is back, before the next kill. */
  betweenMs: number;
  relayIntervalSeconds: number;
  /** Gives up waiting for grants and deliveries after this long. */
  settleTimeoutMs: number;
  log: Log;
}

export interface PhaseFigures {
  phase: string;
  ms: number;
  /** Answers to the purchases sent in this phase, by status ('timeout', 'no answer': none). */
  statuses: Record<string, number>;
  /** Slowest answer to a purchase sent in this phase. */
  maxLatencyMs: number;
}

export interface ChaosFigures {
  sent: number;
  accepted: number;
  unavailable503: number;
  /** 5xx answers other than 503, by status. */
  other5xx: Record<string, number>;
  other5xxTotal: number;
  client4xx: number;
  /** Requests that got no HTTP answer: connection refused or reset, or REQUEST_TIMEOUT_MS without one. */
  noAnswer: number;
  timedOut: number;
  ordersCommitted: number;
  /** Orders answered 2xx that PostgreSQL does not hold. */
  acceptedButLost: number;
  benefitsPerOrder: number;
  effects: GrantEffects;
  /** Milliseconds from the last restart until every grant was granted and delivered; null: gave up. */
  settledAfterMs: number | null;
  phases: PhaseFigures[];
}

export const REQUEST_TIMEOUT_MS = 60_000;
const NO_ANSWER = 0;
const TIMED_OUT = -1;

export async function runChaos(opts: ChaosOptions): Promise<ChaosFigures> {
  const { log } = opts;
  log('starting PostgreSQL, the Temporal dev server, the worker and the API');
  const stack = await startChaosStack({
    dir: opts.dir,
    cli: opts.cli,
    bundlePath: opts.bundlePath,
    relayIntervalSeconds: opts.relayIntervalSeconds,
    log,
  });
  // The run's own view of PostgreSQL; a pool drops connections broken by a kill and opens new ones.
  const pool = new Pool({ connectionString: stack.databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  const api = new ApiClient(stack.baseUrl, stack.token);
  const counter = await startEffectCounter(api);
  try {
    const catalog = await createCatalog(api, 'Chaos');
    // The product keeps its first `benefits` benefits (fewer grants per purchase in the test).
    catalog.benefitIds = catalog.benefitIds.slice(0, Math.min(Math.max(opts.benefits, 1), catalog.benefitIds.length));
    await api.expect(200, 'POST', `/v1/products/${catalog.productId}/benefits`, { benefits: catalog.benefitIds });
    const customers = await insertCustomers(pool, stack.organizationId, opts.purchases + Math.ceil(opts.rate * 600));
    const load = new Purchases(api, catalog.productId, customers);

    log(`putting ${opts.purchases} purchases in flight`);
    const burst = Array.from({ length: opts.purchases }, () => load.one());
    const trickle = load.trickle(opts.rate);
    for (const part of opts.kills) {
      await sleep(opts.betweenMs);
      load.enter(`${part} down`);
      const t0 = Date.now();
      log(`kill -9 ${part}; back in ${opts.downMs} ms`);
      await stack.killAndRestart(part, opts.downMs);
      load.enter(`after ${part} restart`);
      log(`${part} back and serving after ${Date.now() - t0} ms`);
    }
    await sleep(opts.betweenMs);
    trickle.stop();
    load.enter('settling');
    await Promise.all([...burst, trickle.done]);
    const lastRestart = Date.now();
    log(`purchases done (${load.sent} sent); waiting up to ${opts.settleTimeoutMs / 1000} s for grants and deliveries`);
    stack.assertAlive();
    const settled = await settle(pool, stack, catalog.benefitIds, counter, opts.settleTimeoutMs, log);
    // Late duplicates (a redelivery or a second grant after the count looked complete) show here.
    await sleep(2_000);
    const orders = await committedOrders(pool, catalog.productId);
    const effects = counter.effects(await grantRows(pool, catalog.benefitIds), orders, catalog.benefitIds);
    const statusCount = (pred: (s: number) => boolean) => [...load.statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
    const other5xx = Object.fromEntries([...load.statuses].filter(([s]) => s >= 500 && s !== 503).map(([s, c]) => [String(s), c]));
    return {
      sent: load.sent,
      accepted: load.accepted.size,
      unavailable503: load.statuses.get(503) ?? 0,
      other5xx,
      other5xxTotal: Object.values(other5xx).reduce((a, b) => a + b, 0),
      client4xx: statusCount((s) => s >= 400 && s < 500),
      noAnswer: (load.statuses.get(NO_ANSWER) ?? 0) + (load.statuses.get(TIMED_OUT) ?? 0),
      timedOut: load.statuses.get(TIMED_OUT) ?? 0,
      ordersCommitted: orders.length,
      acceptedButLost: [...load.accepted].filter((id) => !orders.includes(id)).length,
      benefitsPerOrder: catalog.benefitIds.length,
      effects,
      settledAfterMs: settled ? Date.now() - lastRestart : null,
      phases: load.phases(),
    };
  } finally {
    await counter.close();
    await pool.end().catch(() => undefined);
    await stack.close();
  }
}

/** Purchases of one product, each by a customer of its own, counted by answer and by phase. */
class Purchases {
  sent = 0;
  readonly statuses = new Map<number, number>();
  readonly accepted = new Set<string>();
  private next = 0;
  private phase = 'in flight';
  private readonly byPhase = new Map<string, { startedAt: number; statuses: Map<number, number>; maxLatencyMs: number }>();

  constructor(
    private readonly api: ApiClient,
    private readonly productId: string,
    private readonly customers: string[],
  ) {
    this.enter('in flight');
  }

  enter(phase: string): void {
    this.phase = phase;
    if (!this.byPhase.has(phase)) this.byPhase.set(phase, { startedAt: Date.now(), statuses: new Map(), maxLatencyMs: 0 });
  }

  phases(): PhaseFigures[] {
    const entries = [...this.byPhase.entries()];
    return entries.map(([phase, p], i) => ({
      phase,
      ms: (entries[i + 1]?.[1].startedAt ?? Date.now()) - p.startedAt,
      statuses: Object.fromEntries(
        [...p.statuses].map(([s, c]) => [s === NO_ANSWER ? 'no answer' : s === TIMED_OUT ? 'timeout' : String(s), c]),
      ),
      maxLatencyMs: p.maxLatencyMs,
    }));
  }

  async one(): Promise<void> {
    if (this.next >= this.customers.length) return;
    const customerId = this.customers[this.next++];
    const phase = this.byPhase.get(this.phase)!;
    this.sent += 1;
    const t0 = Date.now();
    let status = NO_ANSWER;
    try {
      const res = await this.api.request(
        'POST',
        '/v1/orders/',
        { customer_id: customerId, product_id: this.productId },
        REQUEST_TIMEOUT_MS,
      );
      status = res.status;
      if (status >= 200 && status < 300 && typeof res.body?.id === 'string') this.accepted.add(res.body.id);
    } catch (err) {
      status = (err as Error)?.name === 'TimeoutError' ? TIMED_OUT : NO_ANSWER;
    }
    phase.maxLatencyMs = Math.max(phase.maxLatencyMs, Date.now() - t0);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    phase.statuses.set(status, (phase.statuses.get(status) ?? 0) + 1);
  }

  /** Sends `rate` purchases a second without waiting for answers, until stopped. */
  trickle(rate: number): { stop(): void; done: Promise<void> } {
    const inFlight: Promise<void>[] = [];
    let stopped = false;
    const done = (async () => {
      while (!stopped && rate > 0) {
        inFlight.push(this.one());
        await sleep(1000 / rate);
      }
      await Promise.all(inFlight);
    })();
    return { stop: () => void (stopped = true), done };
  }
}

async function insertCustomers(pool: Pool, organizationId: string, count: number): Promise<string[]> {
  const { rows } = await pool.query(
    `INSERT INTO customers (organization_id, email, name)
     SELECT $1, 'chaos-' || g || '@example.com', 'Chaos customer ' || g FROM generate_series(1, $2) AS g RETURNING id`,
    [organizationId, count],
  );
  return rows.map((r: { id: string }) => r.id);
}

async function committedOrders(pool: Pool, productId: string): Promise<string[]> {
  const { rows } = await pool.query(`SELECT id FROM orders WHERE product_id = $1`, [productId]);
  return rows.map((r: { id: string }) => r.id);
}

export interface GrantRow {
  id: string;
  order_id: string | null;
  benefit_id: string;
  granted: boolean;
}

async function grantRows(pool: Pool, benefitIds: string[]): Promise<GrantRow[]> {
  const { rows } = await pool.query(
    `SELECT id, order_id, benefit_id, granted_at IS NOT NULL AS granted FROM benefit_grants WHERE benefit_id = ANY($1::uuid[])`,
    [benefitIds],
  );
  return rows;
}

/**
 * Waits until every committed order's grants are granted, no webhook event is pending and the
 * receiver saw a creation event for every grant; false when the time ran out first.
 */
async function settle(
  pool: Pool,
  stack: ChaosStack,
  benefitIds: string[],
  counter: { createdGrants(): number },
  timeoutMs: number,
  log: Log,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    stack.assertAlive();
    const state = await pool
      .query(
        `SELECT (SELECT count(*) FROM orders WHERE organization_id = $1)::int * $3::int AS expected,
              (SELECT count(*) FROM benefit_grants WHERE benefit_id = ANY($2::uuid[]) AND granted_at IS NOT NULL)::int AS granted,
              (SELECT count(*) FROM webhook_events WHERE organization_id = $1 AND succeeded IS NULL AND NOT skipped)::int AS pending`,
        [stack.organizationId, benefitIds, benefitIds.length],
      )
      .then(
        (r) => r.rows[0] as { expected: number; granted: number; pending: number },
        () => null,
      );
    const delivered = counter.createdGrants();
    if (state && state.granted >= state.expected && state.pending === 0 && delivered >= state.expected) return true;
    if (Date.now() > deadline) {
      log(`gave up: ${JSON.stringify(state)}, grants with a delivered creation event ${delivered}`);
      // What the missing ones look like, so a failed run says where to look.
      const stuck = await pool
        .query(
          `SELECT o.id AS order_id, o.workflow_started_at, g.id AS grant_id, g.granted_at, g.revoked_at, g.revoke_reason, g.error
           FROM orders o LEFT JOIN benefit_grants g ON g.order_id = o.id
          WHERE o.organization_id = $1 AND (g.id IS NULL OR g.granted_at IS NULL) LIMIT 10`,
          [stack.organizationId],
        )
        .then(
          (r) => r.rows,
          (err: Error) => [{ error: err.message }],
        );
      for (const row of stuck) log(`  not granted: ${JSON.stringify(row)}`);
      return false;
    }
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(
        `  granted ${state?.granted ?? '?'}/${state?.expected ?? '?'}, webhook events pending ${state?.pending ?? '?'}, delivered for ${delivered} grants`,
      );
    }
    await sleep(500);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
