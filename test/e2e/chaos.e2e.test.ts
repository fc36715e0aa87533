// The chaos run in small (`npm run chaos` is the full one, and this runs the same runner): 30
// purchases in flight through the API, then the worker and the Temporal dev server are each killed
// with SIGKILL and restarted on the same port and data while purchases keep coming. Every purchased
// grant happens exactly once (one granted row, one benefit_grant.created event at the merchant's
// endpoint) and no answer is a 5xx other than 503. The runner starts its own PostgreSQL and dev
// server (it kills them) and runs the worker and the API as child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TIME_LIMIT_MS = 6 * 60_000;
jest.setTimeout(TIME_LIMIT_MS + 30_000);

const root = path.resolve(__dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-test-'));

/** The fields of bench/lib/chaos-run.ts ChaosFigures this test reads. */
interface Figures {
  accepted: number;
  acceptedButLost: number;
  other5xx: Record<string, number>;
  noAnswer: number;
  ordersCommitted: number;
  benefitsPerOrder: number;
  settledAfterMs: number | null;
  effects: { expected: number; once: number; duplicates: number; missing: number; strayEvents: number };
}

let figures: Figures;
let output = '';

beforeAll(async () => {
  const summary = path.join(dir, 'figures.json');
  const args = [
    '--purchases',
    '30',
    '--benefits',
    '1',
    '--rate',
    '0.5',
    '--kill',
    'worker,temporal',
    '--down',
    '1',
    '--settle',
    '150',
    '--summary',
    summary,
  ];
  if (process.env.TEST_WORKFLOW_BUNDLE) args.push('--bundle', process.env.TEST_WORKFLOW_BUNDLE);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chaos.bench.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), TIME_LIMIT_MS);
    child.once('error', reject);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  try {
    figures = JSON.parse(readFileSync(summary, 'utf8'));
  } catch {
    throw new Error(`the chaos run wrote no figures (exit ${code}):\n${output.slice(-8_000)}`);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The runner's report and progress lines, shown with any failed expectation. */
const report = () => `\n${output.slice(-6_000)}`;

test('every purchase the API accepted was recorded, and grants settled within the time limit', () => {
  expect({
    someAccepted: figures.accepted > 0,
    acceptedButLost: figures.acceptedButLost,
    settled: figures.settledAfterMs !== null,
    report: report(),
  }).toEqual({ someAccepted: true, acceptedButLost: 0, settled: true, report: report() });
});

test('no answer is a 5xx other than 503, and every request got an answer', () => {
  expect({ other5xx: figures.other5xx, noAnswer: figures.noAnswer, report: report() }).toEqual({
    other5xx: {},
    noAnswer: 0,
    report: report(),
  });
});

test('every grant happened exactly once: one granted row and one benefit_grant.created event each', () => {
  const e = figures.effects;
  expect({
    expected: e.expected,
    once: e.once,
    duplicates: e.duplicates,
    missing: e.missing,
    stray: e.strayEvents,
    report: report(),
  }).toEqual({
    expected: figures.ordersCommitted * figures.benefitsPerOrder,
    once: e.expected,
    duplicates: 0,
    missing: 0,
    stray: 0,
    report: report(),
  });
  expect(figures.ordersCommitted).toBeGreaterThanOrEqual(30);
});
