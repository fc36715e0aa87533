// `npm run chaos`: purchases in flight while the worker, the Temporal dev server and PostgreSQL are
// killed with SIGKILL and restarted in turn; prints how often each grant happened. Asserts nothing
// (the test suite runs a smaller version that does: test/e2e/chaos.e2e.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../scripts/bundle-workflows';
import { ensureTemporalCli } from '../scripts/tools/tools';
import type { Part } from './lib/chaos-stack';
import { runChaos } from './lib/chaos-run';
import { chaosReport } from './lib/chaos-report';
import { exitAfterCleanUp, handleSignals, registerCleanup } from './lib/stack';

const USAGE = `usage: npm run chaos -- [--purchases 300] [--benefits 3] [--rate 5] [--down 3] [--settle 600] [--kill worker,temporal,postgres] [--quick] [--verbose]
  --purchases  purchases put in flight at once before the first kill (default 300, quick 30)
  --benefits   benefits of the product purchased, 1 to 3 (default 3): grants per purchase
  --rate       purchases per second sent while parts are killed and restarted (default 5, quick 2)
  --down       seconds each killed part stays down (default 3, quick 1)
  --settle     seconds to wait for every grant and delivery before giving up (default 600, quick 300)
  --kill       which parts to kill -9 and restart, in order (default worker,temporal,postgres)
  --verbose    print the worker's and the API's log lines
  --summary    also write the figures as JSON to FILE (the test reads them)
  --bundle     a prebuilt workflow bundle to use instead of bundling`;

interface Options {
  purchases: number;
  benefits: number;
  summaryPath: string | null;
  bundlePath: string | null;
  rate: number;
  downSeconds: number;
  settleSeconds: number;
  kills: Part[];
  verbose: boolean;
}

function parse(argv: string[]): Options {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') usage(0);
    if (!arg.startsWith('--')) usage(2, `unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    const takesValue = ['purchases', 'benefits', 'rate', 'down', 'settle', 'kill', 'summary', 'bundle'].includes(name);
    if (!takesValue && !['quick', 'verbose'].includes(name)) usage(2, `unknown option --${name}`);
    flags.set(name, takesValue ? (inline ?? argv[++i] ?? '') : true);
  }
  const quick = flags.has('quick');
  const num = (name: string, dflt: number, min: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) usage(2, `--${name} must be a number >= ${min}`);
    return n;
  };
  const kills = String(flags.get('kill') ?? 'worker,temporal,postgres')
    .split(',')
    .filter(Boolean) as Part[];
  if (kills.some((k) => !['worker', 'temporal', 'postgres'].includes(k))) usage(2, '--kill takes worker, temporal and postgres');
  return {
    purchases: Math.round(num('purchases', quick ? 30 : 300, 1)),
    benefits: Math.min(Math.round(num('benefits', 3, 1)), 3),
    summaryPath: typeof flags.get('summary') === 'string' ? path.resolve(String(flags.get('summary'))) : null,
    bundlePath: typeof flags.get('bundle') === 'string' ? path.resolve(String(flags.get('bundle'))) : null,
    rate: num('rate', quick ? 2 : 5, 0),
    downSeconds: num('down', quick ? 1 : 3, 0),
    settleSeconds: num('settle', quick ? 300 : 600, 1),
    kills,
    verbose: flags.has('verbose'),
  };
}

function usage(code: number, error?: string): never {
  if (error) process.stderr.write(`${error}\n`);
  (code === 0 ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
  const say = (msg: string) => process.stdout.write(`[${stamp()}] ${msg}\n`);
  // The children's lines (warnings, the errors a kill causes) only with --verbose.
  const log = (msg: string) => (opts.verbose || !/^\[(api|worker)\]/.test(msg) ? say(msg) : undefined);
  handleSignals(say);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-'));
  registerCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const cli = await ensureTemporalCli(say);
  if (cli.kind !== 'existing-path')
    throw new Error('the chaos run kills the Temporal dev server by pid: it needs a Temporal CLI on disk (npm run tools)');
  if (!opts.bundlePath) say('bundling workflows');
  const bundlePath = opts.bundlePath ?? (await writeWorkflowBundle(path.join(dir, 'workflow-bundle.js')));
  say(
    `chaos: ${opts.purchases} purchases in flight, then ${opts.rate}/s while ${opts.kills.join(', ')} are killed (-9) and restarted in turn`,
  );
  const figures = await runChaos({
    dir,
    cli,
    bundlePath,
    purchases: opts.purchases,
    benefits: opts.benefits,
    rate: opts.rate,
    kills: opts.kills,
    downMs: opts.downSeconds * 1000,
    betweenMs: 3_000,
    relayIntervalSeconds: 2,
    settleTimeoutMs: opts.settleSeconds * 1000,
    log,
  });
  for (const line of chaosReport(figures)) process.stdout.write(`${line}\n`);
  if (opts.summaryPath) writeFileSync(opts.summaryPath, JSON.stringify(figures, null, 2));
}

main().then(
  () => exitAfterCleanUp(0),
  (err) => {
    process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return exitAfterCleanUp(1);
  },
);
