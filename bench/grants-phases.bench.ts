// `npm run bench:grants:phases`: N customers buy a product with 3 benefits; prints purchase and grant
// throughput, purchase-to-granted latency at a fixed rate, the time a benefit delete takes to
// revoke N grants, process memory and the longest workflow history. Prints figures, asserts nothing.
import { longestHistories, HistoryFigure } from './lib/history';
import { ApiClient } from './lib/load';
import { childSettings, parseOptions, BenchOptions } from './lib/options';
import {
  latencyPhase,
  LatencyResult,
  PhaseContext,
  revocationPhase,
  RevocationResult,
  throughputPhase,
  ThroughputResult,
  warmUp,
} from './lib/phases';
import { cpuPerUnit, cpuShares, loadAverage, machineInfo, Memory, memoryOf } from './lib/procfs';
import { Catalog, createCatalog, insertCustomers } from './lib/setup';
import { Breakdown, purchaseBreakdown } from './lib/timeline';
import { OutboxFigures, outboxFigures, startWebhookReceiver, WEBHOOK_EVENTS, WebhookReceiver } from './lib/webhooks';
import {
  BenchStack,
  connectExternalStack,
  exitAfterCleanUp,
  handleSignals,
  Log,
  prepareToolbox,
  startIsolatedStack,
  Toolbox,
} from './lib/stack';
import { mb, ms, perSecond, Row, seconds, table, verdict } from './lib/stats';

// Throughput and latency goals are ratios to the smallest durable grant measured in the same run
// (`npm run bench:grants`); this report gives the per-N figures and the memory goal.
const SAME_RUN_RATIOS = 'ratio to the limit: bench:grants';
const WORKER_RSS_GOAL = { mb: 600, openGrants: 10_000 };
// Temporal logs a warning past 10,240 events (and fails a run at 51,200): "bounded" means far below.
const HISTORY_WARN = 10_240;

const began = Date.now();
const log: Log = (msg) => process.stdout.write(`[bench +${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

interface SizeReport {
  n: number;
  a: ThroughputResult;
  /** Null when an earlier phase's grants never all completed: its backlog would be measured instead. */
  b: LatencyResult | null;
  c: RevocationResult | null;
  breakdown: Breakdown | null;
  histories: HistoryFigure[];
  memory: Record<'apiAfterA' | 'workerAfterA' | 'api' | 'worker' | 'temporal', Memory | null>;
  webhooks: (OutboxFigures & { delivered: number }) | null;
  load: { start: string; end: string };
}

async function webhookFigures(stack: BenchStack, receiver: WebhookReceiver | null): Promise<SizeReport['webhooks']> {
  if (!receiver) return null;
  return { ...(await outboxFigures(stack.db, stack.organizationId)), delivered: receiver.received() };
}

async function runSize(stack: BenchStack, n: number, opts: BenchOptions): Promise<SizeReport> {
  const api = new ApiClient(stack.baseUrl, stack.token);
  const ctx: PhaseContext = { stack, api, log, maxWaitMs: opts.maxWaitMinutes * 60_000 };
  const tag = `${n}-${Date.now().toString(36)}`;
  const loadStart = loadAverage();
  log(`N=${n}: setup: 3 products with 3 benefits each through the API; customers inserted through SQL`);
  const [warm, productA, productB] = [
    await createCatalog(api, `${tag} warm-up`),
    await createCatalog(api, `${tag} A`),
    await createCatalog(api, `${tag} B`),
  ];
  const inB = opts.rate * opts.durationSeconds;
  const customers = await insertCustomers(stack.db, stack.organizationId, opts.warmup + n + inB, tag);
  const receiver = opts.webhook ? await startWebhookReceiver(api) : null;
  try {
    const figures = await measure(ctx, n, opts, { warm, productA, productB, customers });
    return { n, ...figures, webhooks: await webhookFigures(stack, receiver), load: { start: loadStart, end: loadAverage() } };
  } finally {
    await receiver?.close();
  }
}

async function measure(
  ctx: PhaseContext,
  n: number,
  opts: BenchOptions,
  fx: { warm: Catalog; productA: Catalog; productB: Catalog; customers: string[] },
) {
  const { stack } = ctx;
  const { warm, productA, productB, customers } = fx;
  log(`N=${n}: warm-up: ${opts.warmup} purchases`);
  await warmUp(ctx, warm, customers.slice(0, opts.warmup));

  log(`N=${n}: phase A: ${n} purchases, ${opts.concurrency} at a time`);
  const a = await throughputPhase(ctx, productA, customers.slice(opts.warmup, opts.warmup + n), opts.concurrency);
  const [apiAfterA, workerAfterA] = [memoryOf(stack.groups.api), memoryOf(stack.groups.worker)];

  // A phase whose grants never all completed leaves a backlog the next phase would measure instead.
  const skip = (phases: string) => log(`N=${n}: skipping ${phases}: the previous phase's grants did not all complete`);
  let b: LatencyResult | null = null;
  let c: RevocationResult | null = null;
  if (!a.drained) skip('phases B and C');
  else {
    log(`N=${n}: phase B: ${opts.rate} purchases/s for ${opts.durationSeconds} s (open loop)`);
    b = await latencyPhase(ctx, productB, customers.slice(opts.warmup + n), opts.rate, opts.durationSeconds);
  }
  const breakdown = b ? await purchaseBreakdown(stack.temporal, stack.db, b.records) : null;
  if (b && !b.drained) skip('phase C');
  else if (b) {
    log(`N=${n}: phase C: delete a benefit held by ${a.accepted} customers`);
    c = await revocationPhase(ctx, productA.benefitIds[0]);
  }
  log(`N=${n}: reading workflow histories`);
  const histories = await longestHistories(stack, productA.benefitIds[0], [...productA.benefitIds, ...productB.benefitIds]);
  const memory = {
    apiAfterA,
    workerAfterA,
    api: memoryOf(stack.groups.api),
    worker: memoryOf(stack.groups.worker),
    temporal: memoryOf(stack.groups.temporal),
  };
  return { a, b, c, breakdown, histories, memory };
}

const dist = (d: { p50: number; p99: number; max: number }) => `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}`;
const memRow = (m: Memory | null) => (m ? `${mb(m.rssMb)} (peak ${mb(m.peakMb)})` : 'n/a (pid unknown)');

function reportRows(r: SizeReport, opts: BenchOptions): Row[] {
  const { a } = r;
  const rssAfterA = r.memory.workerAfterA?.rssMb;
  const rssJudged = a.grantsDone >= WORKER_RSS_GOAL.openGrants && rssAfterA !== undefined;
  const longest = Math.max(0, ...r.histories.map((h) => h.historyLength));
  return [
    ['load average (1/5/15 min) at start / end of this N', `${r.load.start} / ${r.load.end}`, 'machine otherwise idle'],
    [`A purchases/s accepted (${a.accepted}/${a.sent}, concurrency ${opts.concurrency})`, perSecond(a.purchasesPerSec)],
    ['A purchase call p50 / p99 / max', dist(a.call)],
    [
      `A grants/s completed (${a.grantsDone}/${a.grantsExpected} in ${seconds(a.grantsElapsedMs)}${a.drained ? '' : ', gave up'})`,
      perSecond(a.grantsPerSec),
      SAME_RUN_RATIOS,
    ],
    ['A grants/s steady (middle 80% of grants)', perSecond(a.steadyGrantsPerSec), SAME_RUN_RATIOS],
    [`A purchase -> granted p50 / p99 / max (backlog${a.incomplete ? `, ${a.incomplete} incomplete` : ''})`, dist(a.toGranted)],
    ...(r.b ? latencyRows(r.b) : [['B latency at a fixed rate', 'skipped (phase A did not drain)'] as Row]),
    ...(r.c ? revocationRows(r.c) : [['C revocations after a benefit delete', 'skipped (an earlier phase did not drain)'] as Row]),
    [
      `worker RSS after A (${a.grantsDone} grants open)`,
      memRow(r.memory.workerAfterA),
      `< ${WORKER_RSS_GOAL.mb} MB at ${WORKER_RSS_GOAL.openGrants.toLocaleString('en-US')} open`,
      rssJudged ? verdict(rssAfterA! < WORKER_RSS_GOAL.mb) : 'n/a (fewer open)',
    ],
    ['worker RSS at end', memRow(r.memory.worker)],
    ['API RSS after A', memRow(r.memory.apiAfterA)],
    ['API RSS at end', memRow(r.memory.api)],
    ['Temporal dev server RSS at end', memRow(r.memory.temporal)],
    ...(r.webhooks ? webhookRows(r.webhooks) : []),
    ...r.histories.map((h): Row => [`history: ${h.kind} (longest of ${h.described})`, `${h.historyLength} events`]),
    ['longest workflow history', `${longest} events`, `bounded, < ${HISTORY_WARN}`, verdict(longest < HISTORY_WARN)],
  ];
}

function latencyRows(b: LatencyResult): Row[] {
  return [
    [
      `B purchases accepted at ${b.rate}/s for ${b.durationSeconds} s`,
      `${b.accepted}/${b.sent} (scheduler lag max ${ms(b.schedulerMaxLagMs)})`,
    ],
    ['B purchase call p50 / p99 / max', dist(b.call)],
    [`B purchase -> granted p50 / p99 / max${b.incomplete ? ` (${b.incomplete} incomplete)` : ''}`, dist(b.toGranted), SAME_RUN_RATIOS],
  ];
}

function revocationRows(c: RevocationResult): Row[] {
  return [
    [
      `C revoke ${c.revoked}/${c.grants} grants after a benefit delete`,
      `${seconds(c.revokeMs ?? NaN)} (${perSecond(c.revokesPerSec)}, DELETE ${ms(c.deleteMs)})`,
      SAME_RUN_RATIOS,
    ],
  ];
}

function webhookRows(w: NonNullable<SizeReport['webhooks']>): Row[] {
  return [
    ['webhook events written / delivered / pending at end', `${w.events} / ${w.delivered} / ${w.pending}`],
    [`kick query at end (after every changed grant)`, `${w.kickQueryMs.toFixed(1)} ms: ${w.kickQueryPlan}`],
  ];
}

function report(r: SizeReport, opts: BenchOptions): string {
  return [
    table(`Grants benchmark, N = ${r.n}`, reportRows(r, opts)),
    `CPU during A: ${cpuShares(r.a.cpu.used, r.a.cpu.wallSeconds)}`,
    `  per grant:  ${cpuPerUnit(r.a.cpu.used, r.a.grantsDone, 'grant')}${r.a.drained ? '' : ' (overstated: includes work for grants still in flight)'}`,
    ...(r.b ? [`CPU during B: ${cpuShares(r.b.cpu.used, r.b.cpu.wallSeconds)}`] : []),
    ...(r.c
      ? [
          `CPU during C: ${cpuShares(r.c.cpu.used, r.c.cpu.wallSeconds)}`,
          `  per revoke: ${cpuPerUnit(r.c.cpu.used, r.c.revoked, 'revoke')}`,
        ]
      : []),
    ...(r.breakdown
      ? [
          table(
            `Where a phase B purchase's time goes (sample, from workflow histories), N = ${r.n}`,
            r.breakdown.map(([step, p50, p90]): Row => [step, `p50 ${ms(p50)}`, `p90 ${ms(p90)}`]),
          ),
        ]
      : []),
  ].join('\n');
}

function header(opts: BenchOptions): string[] {
  const settings = childSettings(process.env);
  return [
    ...machineInfo(),
    `load average at start: ${loadAverage()}`,
    opts.external
      ? `stack: external at ${opts.external.baseUrl} (worker/API settings are that stack's)`
      : `stack: isolated per N (embedded PostgreSQL${opts.pgFast ? ' without fsync' : ', durable like npm start'}, in-memory Temporal dev server` +
        `${opts.temporalFlags.length ? ` with ${opts.temporalFlags.join(' ')}` : ''}); ` +
        Object.entries(settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
    `webhooks: ${opts.webhook ? `one endpoint subscribed to ${WEBHOOK_EVENTS.join(', ')}, receiver in the bench` : 'no endpoint (--webhook adds one)'}`,
    `sizes: N = ${opts.sizes.join(', ')}${opts.quick ? ' (--quick)' : ''}; phase B ${opts.rate}/s for ${opts.durationSeconds} s`,
    'setup: benefits and products through the HTTP API; customers bulk-inserted through SQL (setup speed, not measured)',
    'purchase -> granted = max(granted_at of its 3 grants) - purchase start (phase B: its due time); granted_at is',
    "  PostgreSQL's now() at the start of the transaction that makes the grant readable, so figures are low by that",
    "  transaction's duration (a few ms); grants/s uses the 200 ms poll that saw the last grant, as the API would.",
  ];
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), process.env);
  handleSignals(log);
  const head = header(opts);
  head.forEach((line) => log(line));
  const box: Toolbox | null = opts.external ? null : await prepareToolbox(log, opts.temporalFlags);
  const reports: string[] = [];
  for (const n of opts.sizes) {
    log(`N=${n}: ${opts.external ? 'connecting to the running stack' : 'starting an isolated stack'}`);
    const stack = opts.external
      ? await connectExternalStack(opts.external, `N=${n}`, opts.taskQueue)
      : await startIsolatedStack(
          box!,
          `n${n}`,
          { pgFast: opts.pgFast, profileDir: opts.profileDir, childEnv: childSettings(process.env), taskQueue: opts.taskQueue },
          log,
        );
    try {
      const text = report(await runSize(stack, n, opts), opts);
      reports.push(text);
      process.stdout.write(`\n${text}\n\n`);
    } finally {
      log(`N=${n}: stopping the stack`);
      await stack.close();
    }
  }
  process.stdout.write(`\n${['', ...head, `load average at end: ${loadAverage()}`, '', ...reports].join('\n')}\n`);
}

main()
  .then(() => exitAfterCleanUp(0))
  .catch(async (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await exitAfterCleanUp(1);
  });
