// Usage ingestion and balance reads. Prints figures, asserts nothing.
//   npm run bench:meters [-- --events 1000000 --batch 1000 --clients 4 --customers 1000 --reads 500]
// An isolated stack (embedded PostgreSQL, Temporal dev server, the API and the worker as child
// processes); 5 meters; `clients` concurrent callers ingest `events` in calls of `batch`. Beside it,
// a plain PostgreSQL COPY of the same rows into a table shaped like `events` (same indexes), in the
// same run. Balance reads (GET /v1/customer-meters/{id}) are timed after the first call (1,000
// events) and again after the last.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitAfterCleanUp, handleSignals, prepareToolbox, registerCleanup, startIsolatedStack, type BenchStack } from './lib/stack';

const log = (msg: string) => process.stderr.write(`[bench:meters ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const raw = at >= 0 ? process.argv[at + 1] : process.env[`BENCH_METERS_${name.toUpperCase()}`];
  return raw ? Number(raw) : fallback;
}

const opts = {
  events: option('events', 1_000_000),
  batch: option('batch', 1_000),
  clients: option('clients', 4),
  customers: option('customers', 1_000),
  reads: option('reads', 500),
  meters: option('meters', 5),
};

const REGIONS = ['eu', 'us', 'ap'];
const MODELS = ['small', 'medium', 'large', 'xl'];

interface Row {
  customerId: string;
  externalId: string;
  tokens: number;
  latency: number;
  region: string;
  model: string;
  timestamp: string;
}

/** The i-th event, the same for the API and for COPY. */
function rowOf(i: number, customers: string[], runId: string): Row {
  return {
    customerId: customers[(i * 7919) % customers.length],
    externalId: `${runId}-${i}`,
    tokens: 1 + (i % 97),
    latency: 5 + ((i * 31) % 400),
    region: REGIONS[i % REGIONS.length],
    model: MODELS[(i >> 3) % MODELS.length],
    timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
  };
}

/** Calls answered 503 (the database slower than its timeouts) and retried, as the API asks. */
let retried = 0;

async function api(stack: BenchStack, method: string, url: string, body?: unknown): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${stack.baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 503 && attempt < 10) {
      retried += 1;
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
}

async function createMeters(stack: BenchStack): Promise<string[]> {
  const request = { property: 'name', operator: 'eq', value: 'request' };
  const specs = [
    { name: 'Requests', filter: { conjunction: 'and', clauses: [request] }, aggregation: { func: 'count' } },
    { name: 'Tokens', filter: { conjunction: 'and', clauses: [request] }, aggregation: { func: 'sum', property: 'tokens' } },
    { name: 'Peak latency', filter: { conjunction: 'and', clauses: [request] }, aggregation: { func: 'max', property: 'latency' } },
    {
      name: 'EU latency',
      filter: {
        conjunction: 'and',
        clauses: [request, { conjunction: 'or', clauses: [{ property: 'region', operator: 'eq', value: 'eu' }] }],
      },
      aggregation: { func: 'avg', property: 'latency' },
    },
    { name: 'Models used', filter: { conjunction: 'and', clauses: [request] }, aggregation: { func: 'unique', property: 'model' } },
  ];
  const ids: string[] = [];
  for (const s of specs.slice(0, opts.meters)) ids.push((await api(stack, 'POST', '/v1/meters/', s)).id);
  return ids;
}

async function seedCustomers(stack: BenchStack, n: number): Promise<string[]> {
  const rows: { id: string }[] = await stack.db.query(
    `INSERT INTO customers (organization_id, email, name)
     SELECT $1, 'bench-' || g || '@example.com', 'Customer ' || g FROM generate_series(1, $2) g RETURNING id`,
    [stack.organizationId, n],
  );
  return rows.map((r) => r.id);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sequential balance reads of random customer meters: p50 and p99 in ms. */
async function balanceReads(stack: BenchStack, n: number): Promise<{ p50: number; p99: number; rows: number }> {
  const ids: { id: string }[] = await stack.db.query(
    `SELECT cm.id FROM customer_meters cm WHERE cm.organization_id = $1 ORDER BY random() LIMIT 200`,
    [stack.organizationId],
  );
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await api(stack, 'GET', `/v1/customer-meters/${ids[i % ids.length].id}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), rows: ids.length };
}

function eventBody(rows: Row[]) {
  return {
    events: rows.map((r) => ({
      name: 'request',
      customer_id: r.customerId,
      external_id: r.externalId,
      timestamp: r.timestamp,
      metadata: { tokens: r.tokens, latency: r.latency, region: r.region, model: r.model },
    })),
  };
}

async function ingest(stack: BenchStack, customers: string[], runId: string, from: number, to: number) {
  let next = from;
  let inserted = 0;
  const client = async () => {
    for (;;) {
      const start = next;
      if (start >= to) return;
      next = Math.min(to, start + opts.batch);
      const rows = Array.from({ length: next - start }, (_, k) => rowOf(start + k, customers, runId));
      const answer = await api(stack, 'POST', '/v1/events/ingest', eventBody(rows));
      inserted += answer.inserted;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.clients }, client));
  return { inserted, seconds: (performance.now() - t0) / 1000 };
}

/** The same rows through COPY into a table shaped like `events` (its indexes included). */
async function copyBaseline(stack: BenchStack, customers: string[], runId: string): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-meters-copy-'));
  chmodSync(dir, 0o755);
  registerCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'events.csv');
  const lines: string[] = [];
  for (let i = 0; i < opts.events; i++) {
    const r = rowOf(i, customers, runId);
    const md = JSON.stringify({ tokens: r.tokens, latency: r.latency, region: r.region, model: r.model }).replace(/"/g, '""');
    lines.push(`${stack.organizationId},${r.customerId},${r.externalId},request,user,${r.timestamp},"${md}"`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  chmodSync(file, 0o644);
  await stack.db.query(`CREATE TABLE events_copy (LIKE events INCLUDING ALL)`);
  const t0 = performance.now();
  await stack.db.query(
    `COPY events_copy (organization_id, customer_id, external_id, name, source, "timestamp", metadata) FROM '${file}' WITH (FORMAT csv)`,
  );
  const seconds = (performance.now() - t0) / 1000;
  await stack.db.query(`DROP TABLE events_copy`);
  return seconds;
}

async function main(): Promise<void> {
  handleSignals(log);
  log(
    `options: ${JSON.stringify(opts)}; cpus ${os.cpus().length}; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const box = await prepareToolbox(log, []);
  const stack = await startIsolatedStack(box, 'meters', { pgFast: true, childEnv: {}, taskQueue: 'benefits' }, log);
  try {
    const customers = await seedCustomers(stack, opts.customers);
    const meters = await createMeters(stack);
    const runId = randomUUID().slice(0, 8);
    log(`${customers.length} customers, ${meters.length} meters`);

    const first = await ingest(stack, customers, runId, 0, Math.min(opts.batch, opts.events));
    const small = await balanceReads(stack, opts.reads);
    log(`after ${first.inserted} events: balance read p50 ${small.p50.toFixed(2)} ms, p99 ${small.p99.toFixed(2)} ms`);

    const rest = await ingest(stack, customers, runId, Math.min(opts.batch, opts.events), opts.events);
    const total = first.inserted + rest.inserted;
    const apiRate = rest.inserted / rest.seconds;
    log(`ingested ${total} events; the bulk (${rest.inserted}) in ${rest.seconds.toFixed(1)} s`);
    const large = await balanceReads(stack, opts.reads);

    log('COPY of the same rows');
    const copySeconds = await copyBaseline(stack, customers, `${runId}-copy`);
    const copyRate = opts.events / copySeconds;
    const [{ n }] = await stack.db.query(`SELECT count(*)::int AS n FROM events WHERE organization_id = $1`, [stack.organizationId]);

    const lines = [
      `meters bench: ${opts.events} events in calls of ${opts.batch} from ${opts.clients} clients, ${meters.length} meters, ${opts.customers} customers`,
      `  ingest (API, figures updated per call): ${apiRate.toFixed(0)} events/s (${rest.inserted} events in ${rest.seconds.toFixed(1)} s; ${n} stored)`,
      `  COPY of the same rows (same indexes):   ${copyRate.toFixed(0)} events/s (${copySeconds.toFixed(1)} s)`,
      `  calls retried after a 503:              ${retried}`,
      `  ratio API / COPY:                        ${(apiRate / copyRate).toFixed(2)} (goal >= 0.33)`,
      `  balance read at ${first.inserted} events:  p50 ${small.p50.toFixed(2)} ms, p99 ${small.p99.toFixed(2)} ms (${opts.reads} reads over ${small.rows} rows)`,
      `  balance read at ${total} events: p50 ${large.p50.toFixed(2)} ms, p99 ${large.p99.toFixed(2)} ms (goal p99 < 10 ms, flat)`,
      `  load average at end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  } finally {
    await stack.close();
  }
}

main()
  .then(() => exitAfterCleanUp(0))
  .catch(async (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await exitAfterCleanUp(1);
  });
