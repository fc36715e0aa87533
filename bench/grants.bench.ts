// `npm run bench:grants`: the engine against the machine's own limit, in one run. The limit
// (bench/limit) is the smallest durable grant on the same dev server, PostgreSQL and worker
// options; the two are measured interleaved (limit, engine, limit, engine, ...) so host drift hits
// both alike, and the ratio is the headline. Prints figures, asserts nothing.
// (`npm run bench:grants:phases` is the older per-N report: latency phase, histories, memory.)
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from './lib/load';
import { childSettings } from './lib/options';
import { latencyPhase, PhaseContext, revocationPhase, throughputPhase, warmUp } from './lib/phases';
import { Limit, limitGrants, limitRevokes, RateFigures, startLimit } from './lib/limit';
import { CpuSnapshot, loadAverage, machineInfo, memoryOf } from './lib/procfs';
import { PG_STATS_SETTINGS, pgStatsRows, resetPgStats } from './lib/pg-stats';
import { createCatalog, insertCustomers, MarkShape } from './lib/setup';
import { exitAfterCleanUp, handleSignals, Log, prepareToolbox, startIsolatedStack } from './lib/stack';
import { mb, ms, percentile, perSecond, Row, table, verdict } from './lib/stats';

const began = Date.now();
const log: Log = (msg) => process.stdout.write(`[bench +${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
const GOAL_RATIO = 0.85;

function options(argv: string[]) {
  const get = (name: string, dflt: number) => {
    const at = argv.indexOf(`--${name}`);
    const v = at >= 0 ? Number(argv[at + 1]) : dflt;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
  };
  if (argv.includes('--help')) {
    process.stdout.write(
      'usage: npm run bench:grants -- [--n 200] [--concurrency 20] [--reps 3] [--duration 10] [--pg-fast] [--pg-stats] [--profile DIR]\n' +
        '  --n            purchases (3 grants each) per phase and side; phase C revokes n grants\n' +
        '  --duration     seconds of the engine latency phases at 50% and 80% of the limit (0 skips)\n' +
        '  --profile DIR  write V8 CPU profiles (.cpuprofile, one per thread) of the API, the worker and the limit to DIR\n' +
        "  --pg-stats     preload pg_stat_statements and print the reps' costliest statements per grant, limit and engine\n",
    );
    process.exit(0);
  }
  return {
    n: get('n', 200),
    concurrency: get('concurrency', 20),
    reps: get('reps', 3),
    duration: argv.includes('--duration') && Number(argv[argv.indexOf('--duration') + 1]) === 0 ? 0 : get('duration', 10),
    pgFast: argv.includes('--pg-fast'),
    pgStats: argv.includes('--pg-stats'),
    profileDir: argv.includes('--profile') ? path.resolve(argv[argv.indexOf('--profile') + 1]) : null,
  };
}

type Side = 'limit' | 'engine';
interface Sample {
  side: Side;
  grants: RateFigures;
  revokes: RateFigures;
  callP99: number;
  steal: number;
}

const app = (u: CpuSnapshot) => (u.api ?? 0) + (u.worker ?? 0);
const stealShare = (used: CpuSnapshot, wall: number) => (used.steal ?? 0) / wall / os.availableParallelism();

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  handleSignals(log);
  const head = [
    ...machineInfo(),
    `load average at start: ${loadAverage()}`,
    `n = ${opts.n} purchases (${3 * opts.n} grants) per phase and side, concurrency ${opts.concurrency}, ${opts.reps} repetitions, interleaved limit/engine`,
    `stack: embedded PostgreSQL${opts.pgFast ? ' without fsync' : ', durable like npm start'}, in-memory dev server (scripts/tools/dev-server.ts flags); ` +
      Object.entries(childSettings(process.env))
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
  ];
  head.forEach((l) => log(l));
  const box = await prepareToolbox(log, []);
  const stack = await startIsolatedStack(
    box,
    'ratio',
    {
      pgFast: opts.pgFast,
      pgSettings: opts.pgStats ? PG_STATS_SETTINGS : undefined,
      childEnv: childSettings(process.env),
      taskQueue: 'benefits',
      profileDir: opts.profileDir,
    },
    log,
  );
  const limit = await startLimit(stack, log, opts.profileDir);
  const api = new ApiClient(stack.baseUrl, stack.token);
  const ctx: PhaseContext = { stack, api, log, maxWaitMs: 10 * 60_000 };
  const customers = await insertCustomers(stack.db, stack.organizationId, 20 + opts.n * opts.reps + 200 * opts.duration, 'ratio');
  let used = 0;
  const take = (k: number) => customers.slice(used, (used += k));

  log('warm-up: 20 purchases on each side');
  await warmUp(ctx, await createCatalog(api, 'warm-up'), take(20));
  await limitGrants(ctx, limit, 20, 10);

  if (opts.pgStats) await resetPgStats(stack.db);
  const samples: Sample[] = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    samples.push(await limitRep(ctx, limit, opts, rep));
    samples.push(await engineRep(ctx, opts, rep, take(opts.n)));
  }
  const statements = opts.pgStats
    ? table('PostgreSQL statements of the reps (pg_stat_statements)', await pgStatsRows(stack.db, 3 * opts.n * opts.reps, 20))
    : '';
  const latency = opts.duration > 0 ? await latencyRows(ctx, samples, opts.duration, take) : [];
  const text = report(samples, latency, stack.groups.worker);
  process.stdout.write(`\n${[...head, `load average at end: ${loadAverage()}`, '', text, '', statements].join('\n')}\n`);
  await limit.stop();
  await stack.close();
}

async function limitRep(ctx: PhaseContext, limit: Limit, opts: ReturnType<typeof options>, rep: number): Promise<Sample> {
  log(`rep ${rep}: limit, ${opts.n} purchases`);
  const grants = await limitGrants(ctx, limit, opts.n, opts.concurrency);
  log(`rep ${rep}: limit, revoke ${opts.n} grants`);
  const revokes = await limitRevokes(ctx, limit, grants.benefitIds[0]);
  return {
    side: 'limit',
    grants,
    revokes,
    callP99: percentile(grants.calls, 99),
    steal: stealShare(grants.cpu.used, grants.cpu.wallSeconds),
  };
}

async function engineRep(ctx: PhaseContext, opts: ReturnType<typeof options>, rep: number, customers: string[]): Promise<Sample> {
  const catalog = await createCatalog(ctx.api, `rep ${rep}`);
  log(`rep ${rep}: engine, ${opts.n} purchases`);
  const a = await throughputPhase(ctx, catalog, customers, opts.concurrency);
  log(`rep ${rep}: engine, delete a benefit held by ${a.accepted} customers`);
  const c = await revocationPhase(ctx, catalog.benefitIds[0]);
  return {
    side: 'engine',
    grants: {
      count: a.grantsDone,
      perSec: a.grantsPerSec,
      steadyPerSec: a.steadyGrantsPerSec,
      shape: a.grantShape,
      drained: a.drained,
      cpu: a.cpu,
    },
    revokes: {
      count: c.revoked,
      perSec: c.revokesPerSec,
      steadyPerSec: c.steadyRevokesPerSec,
      shape: c.revokeShape,
      drained: c.revokeMs !== null,
      cpu: c.cpu,
    },
    callP99: a.call.p99,
    steal: stealShare(a.cpu.used, a.cpu.wallSeconds),
  };
}

/** Engine latency at half and 80% of the limit's median purchase rate (3 grants a purchase). */
async function latencyRows(ctx: PhaseContext, samples: Sample[], duration: number, take: (k: number) => string[]): Promise<Row[]> {
  const limitPurchases = median(samples.filter((s) => s.side === 'limit').map((s) => s.grants.steadyPerSec)) / 3;
  const rows: Row[] = [];
  for (const [share, goalMs] of [
    [0.5, 250],
    [0.8, 1000],
  ] as const) {
    const rate = Math.max(1, Math.round(limitPurchases * share * 10) / 10);
    log(`engine latency: ${rate} purchases/s (${share * 100}% of the limit) for ${duration} s`);
    const b = await latencyPhase(
      ctx,
      await createCatalog(ctx.api, `latency ${share}`),
      take(Math.ceil(rate * duration) + 1),
      rate,
      duration,
    );
    rows.push(
      [
        `purchase -> granted p50 / p99 at ${rate}/s (${share * 100}% of limit)${b.incomplete ? `, ${b.incomplete} incomplete` : ''}`,
        `${ms(b.toGranted.p50)} / ${ms(b.toGranted.p99)}`,
        `p99 < ${ms(goalMs)}`,
        verdict(b.incomplete === 0 && b.toGranted.p99 < goalMs),
      ],
      [`purchase call p50 / p99 at ${rate}/s`, `${ms(b.call.p50)} / ${ms(b.call.p99)}`, 'p99 < 100 ms', verdict(b.call.p99 < 100)],
    );
  }
  return rows;
}

const median = (xs: number[]) => percentile(xs, 50);
const shapeText = (s: MarkShape | null) =>
  s ? [s.firstMs, s.p10Ms, s.p90Ms, s.lastMs].map((v) => (v / 1000).toFixed(2)).join(' / ') + ' s' : 'none';

function report(samples: Sample[], latency: Row[], workerPid: number | null): string {
  const of = (side: Side) => samples.filter((s) => s.side === side);
  const perRep: Row[] = samples.flatMap((s, i): Row[] => [
    [
      `rep ${Math.floor(i / 2) + 1} ${s.side}`,
      `grants ${perSecond(s.grants.perSec)} whole, ${perSecond(s.grants.steadyPerSec)} steady${s.grants.drained ? '' : ' (gave up)'}; ` +
        `revokes ${perSecond(s.revokes.perSec)} whole, ${perSecond(s.revokes.steadyPerSec)} steady; host steal ${(s.steal * 100).toFixed(0)}%`,
    ],
    ['', `marks at (first / 10% / 90% / last): grants ${shapeText(s.grants.shape)}; revokes ${shapeText(s.revokes.shape)}`],
  ]);
  const ratioRow = (label: string, pick: (s: Sample) => number): Row => {
    const [l, e] = [median(of('limit').map(pick)), median(of('engine').map(pick))];
    const perRepRatios = of('engine').map((s, i) => (pick(s) / pick(of('limit')[i])).toFixed(2));
    return [
      `${label}: limit / engine (median of ${of('limit').length})`,
      `${perSecond(l)} / ${perSecond(e)} = ${(e / l).toFixed(2)} (per rep ${perRepRatios.join(', ')})`,
      `>= ${GOAL_RATIO}`,
      verdict(e / l >= GOAL_RATIO),
    ];
  };
  const cpuRow = (label: string, phase: 'grants' | 'revokes'): Row[] =>
    (['limit', 'engine'] as const).map((side) => {
      const sum = (k: (u: CpuSnapshot) => number) => of(side).reduce((t, s) => t + k(s[phase].cpu.used), 0);
      const count = of(side).reduce((t, s) => t + s[phase].count, 0);
      const per = (k: (u: CpuSnapshot) => number) => (sum(k) * 1000) / count;
      const [a, t, p] = [per(app), per((u) => u.temporal ?? 0), per((u) => u.postgres ?? 0)];
      // The engine's two processes apart: the API's share is the purchase (or deletion) call itself.
      const ours =
        side === 'limit'
          ? `limit process ${a.toFixed(1)} ms`
          : `API ${per((u) => u.api ?? 0).toFixed(1)} ms + worker ${per((u) => u.worker ?? 0).toFixed(1)} ms`;
      return [
        `CPU per ${label}, ${side}`,
        `${ours}, dev server ${t.toFixed(1)} ms, PostgreSQL ${p.toFixed(1)} ms = ${(a + t + p).toFixed(1)} ms`,
      ];
    });
  const cpuTotal = (side: Side, phase: 'grants' | 'revokes') => {
    const count = of(side).reduce((t, s) => t + s[phase].count, 0);
    return (
      (of(side).reduce((t, s) => t + app(s[phase].cpu.used) + (s[phase].cpu.used.temporal ?? 0) + (s[phase].cpu.used.postgres ?? 0), 0) *
        1000) /
      count
    );
  };
  const rows: Row[] = [
    ratioRow('grants/s whole run', (s) => s.grants.perSec),
    ratioRow('grants/s steady (middle 80%)', (s) => s.grants.steadyPerSec),
    ratioRow('revocations/s whole run', (s) => s.revokes.perSec),
    ratioRow('revocations/s steady (middle 80%)', (s) => s.revokes.steadyPerSec),
    ...cpuRow('grant', 'grants'),
    ['CPU per grant, engine - limit', `${(cpuTotal('engine', 'grants') - cpuTotal('limit', 'grants')).toFixed(1)} ms`],
    ...cpuRow('revoke', 'revokes'),
    ['CPU per revoke, engine - limit', `${(cpuTotal('engine', 'revokes') - cpuTotal('limit', 'revokes')).toFixed(1)} ms`],
    [
      // The limit's purchase is one INSERT behind a bare HTTP server: what the machine gives a
      // closed loop of this many clients at all.
      `purchase call p99 in the closed loop: limit / engine (median of reps)`,
      `${ms(median(of('limit').map((s) => s.callP99)))} / ${ms(median(of('engine').map((s) => s.callP99)))}`,
      'p99 < 100 ms',
      verdict(median(of('engine').map((s) => s.callP99)) < 100),
    ],
    ...latency,
    ['worker RSS at end', mb(memoryOf(workerPid)?.rssMb)],
  ];
  return [table('Each run, in order', perRep), '', table('Engine against the limit, same run', rows)].join('\n');
}

main()
  .then(() => exitAfterCleanUp(0))
  .catch(async (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await exitAfterCleanUp(1);
  });
