// Schemathesis (PyPI) for `npm run fuzz`: installed on demand into the git-ignored .tools/venv,
// then run once per authentication with a JSON report we read the figures from. Written for the
// 4.x command line (3.x named several flags differently), so the install is pinned to 4.x.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { toolsDir } from '../tools/tools';

export interface FuzzOptions {
  maxExamples: number;
  seed: number;
  /** Seconds; the whole st run stops when it is spent. */
  maxTime: number | null;
  phases: string;
  only: 'organization' | 'customer-session' | null;
  summaryPath: string | null;
  verbose: boolean;
  /** Anything after `--`, passed to `st run` as is. */
  extra: string[];
}

const USAGE = `usage: npm run fuzz -- [--max-examples 50] [--seed 1] [--max-time SECONDS] [--phases examples,coverage,fuzzing]
                        [--only organization|customer-session] [--summary FILE] [--verbose] [-- ST RUN FLAGS]
  --max-examples  test cases per operation and phase (default 50)
  --seed          Hypothesis seed, so a run can be repeated (default 1)
  --max-time      time budget in seconds for each st run (default none)
  --phases        Schemathesis phases (default examples,coverage,fuzzing)
  --only          one of the two runs: organization token or customer session
  --summary       also write the figures as JSON to FILE
  --verbose       print the API's log lines after the run`;

export function parseFuzzOptions(argv: string[]): FuzzOptions {
  const sep = argv.indexOf('--');
  const own = sep >= 0 ? argv.slice(0, sep) : argv;
  const flags = new Map<string, string | true>();
  for (let i = 0; i < own.length; i++) {
    const arg = own[i];
    if (arg === '--help' || arg === '-h') usage(0);
    const [name, inline] = arg.replace(/^--/, '').split('=', 2);
    const takesValue = ['max-examples', 'seed', 'max-time', 'phases', 'only', 'summary'].includes(name);
    if (!arg.startsWith('--') || (!takesValue && name !== 'verbose')) usage(2, `unknown argument ${arg}`);
    flags.set(name, takesValue ? (inline ?? own[++i] ?? '') : true);
  }
  const int = (name: string, dflt: number | null): number | null => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) usage(2, `--${name} must be a whole number`);
    return n;
  };
  const only = flags.get('only');
  if (only !== undefined && only !== 'organization' && only !== 'customer-session')
    usage(2, '--only takes organization or customer-session');
  return {
    maxExamples: int('max-examples', 50)!,
    seed: int('seed', 1)!,
    maxTime: int('max-time', null),
    phases: String(flags.get('phases') ?? 'examples,coverage,fuzzing'),
    only: (only as FuzzOptions['only']) ?? null,
    summaryPath: typeof flags.get('summary') === 'string' ? path.resolve(String(flags.get('summary'))) : null,
    verbose: flags.has('verbose'),
    extra: sep >= 0 ? argv.slice(sep + 1) : [],
  };
}

function usage(code: number, error?: string): never {
  if (error) process.stderr.write(`${error}\n`);
  (code === 0 ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exit(code);
}

/** The `st` executable of .tools/venv, installing Schemathesis 4.x there first if needed. */
export async function ensureSchemathesis(log: (msg: string) => void): Promise<string> {
  const venv = path.join(toolsDir(), 'venv');
  const st = path.join(venv, 'bin', 'st');
  if (isV4(st)) return st;
  // One install at a time: other checkouts share .tools.
  const lock = path.join(toolsDir(), 'venv.lock');
  mkdirSync(toolsDir(), { recursive: true });
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} held for 10 min; remove it if no install is running`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (isV4(st)) return st;
    log(`installing Schemathesis 4.x from PyPI into ${venv}`);
    if (!existsSync(path.join(venv, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', 'schemathesis>=4,<5'], { stdio: 'inherit' });
    if (!isV4(st)) throw new Error(`${st} is not Schemathesis 4.x after the install`);
    return st;
  } finally {
    rmdirSync(lock);
  }
}

function isV4(st: string): boolean {
  try {
    return /version 4\./.test(execFileSync(st, ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

export interface FailureGroup {
  type: string;
  title: string;
  count: number;
  operations: string[];
}

export interface RunSummary {
  label: string;
  complete: boolean;
  operations: number;
  testCases: number;
  /** Failure groups of `not_a_server_error` (ServerError): test cases answered 5xx. */
  serverErrors: number;
  /** Failure groups of `response_schema_conformance` and the content checks. */
  schemaViolations: number;
  otherFailures: number;
  /** Errors Schemathesis met itself (e.g. a request that timed out). */
  errors: number;
  failures: FailureGroup[];
}

const SCHEMA_FAILURES = [
  'JsonSchemaError',
  'DiscriminatorMismatch',
  'MalformedJson',
  'ContentDeserializationError',
  'MissingContentType',
  'UndefinedContentType',
  'MalformedMediaType',
];

interface RunSpec {
  label: string;
  token: string;
  filter: string[];
  schemaUrl: string;
  reportDir: string;
  opts: FuzzOptions;
}

export async function runSchemathesis(st: string, run: RunSpec): Promise<RunSummary> {
  const { opts } = run;
  const reportPath = path.join(run.reportDir, 'report.json');
  const args = [
    'run',
    run.schemaUrl,
    '--url',
    new URL(run.schemaUrl).origin,
    '--header',
    `Authorization: Bearer ${run.token}`,
    '--checks',
    'not_a_server_error,response_schema_conformance,content_type_conformance',
    '--phases',
    opts.phases,
    '--max-examples',
    String(opts.maxExamples),
    '--seed',
    String(opts.seed),
    ...(opts.maxTime !== null ? ['--max-time', String(opts.maxTime)] : []),
    '--workers',
    '1',
    '--continue-on-failure',
    '--suppress-health-check',
    'all',
    '--generation-database',
    'none',
    '--request-timeout',
    '15',
    '--warnings',
    'off',
    '--no-color',
    '--report',
    'json',
    '--report-dir',
    run.reportDir,
    '--report-json-path',
    reportPath,
    ...run.filter,
    ...opts.extra,
  ];
  mkdirSync(run.reportDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    // stdout goes to our stderr: the failures' details (with curl commands) are for the reader,
    // our stdout carries the figures.
    const child = spawn(st, args, { stdio: ['ignore', process.stderr, process.stderr], cwd: run.reportDir });
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  if (!existsSync(reportPath)) throw new Error(`st wrote no report (${reportPath})`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const failures: FailureGroup[] = (report.failures ?? []).map((f: FailureGroup) => ({
    type: f.type,
    title: f.title,
    count: f.count,
    operations: f.operations,
  }));
  const sum = (pred: (f: FailureGroup) => boolean) => failures.filter(pred).reduce((n, f) => n + f.count, 0);
  return {
    label: run.label,
    complete: report.complete === true,
    operations: report.operations?.tested ?? 0,
    testCases: report.test_cases?.generated ?? 0,
    serverErrors: sum((f) => f.type === 'ServerError'),
    schemaViolations: sum((f) => SCHEMA_FAILURES.includes(f.type)),
    otherFailures: sum((f) => f.type !== 'ServerError' && !SCHEMA_FAILURES.includes(f.type)),
    errors: (report.errors ?? []).reduce((n: number, e: { count: number }) => n + e.count, 0),
    failures,
  };
}
