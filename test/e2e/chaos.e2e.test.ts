// The chaos run in small (`npm run chaos` is the full one): purchases in flight through the API
// while the worker and then the Temporal dev server are killed with SIGKILL and restarted on the
// same port and data. Every purchased grant happens exactly once (one granted row, one
// benefit_grant.created event at the merchant's endpoint) and no answer is a 5xx other than 503.
// Its own PostgreSQL and dev server (it kills them), the worker and the API as child processes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChaos, type ChaosFigures } from '../../bench/lib/chaos-run';
import { chaosReport } from '../../bench/lib/chaos-report';
import { ensureTemporalCli } from '../../scripts/tools/tools';

jest.setTimeout(300_000);

let figures: ChaosFigures;
let report: string;
const lines: string[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-test-'));

beforeAll(async () => {
  const cli = await ensureTemporalCli(() => undefined, { cliPath: process.env.TEMPORAL_CLI_PATH });
  if (cli.kind !== 'existing-path') throw new Error('the chaos test kills the Temporal dev server by pid: it needs a Temporal CLI on disk (npm run tools)');
  const started = Date.now();
  figures = await runChaos({
    dir,
    cli,
    bundlePath: process.env.TEST_WORKFLOW_BUNDLE!,
    purchases: 30,
    benefits: 1,
    rate: 0.5,
    kills: ['worker', 'temporal'],
    downMs: 1_000,
    betweenMs: 2_000,
    relayIntervalSeconds: 2,
    settleTimeoutMs: 120_000,
    // Kept for the failure message: what the stack said while it was being killed.
    log: (msg) => lines.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${msg.slice(0, 300)}`),
  });
  report = chaosReport(figures).join('\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function explain(): string {
  return `\n${report}\n--- last log lines ---\n${lines.slice(-40).join('\n')}`;
}

test('every purchase the API accepted was recorded, and grants settled within the time limit', () => {
  expect({ accepted: figures.accepted > 0, acceptedButLost: figures.acceptedButLost, settled: figures.settledAfterMs !== null, report: explain() })
    .toEqual({ accepted: true, acceptedButLost: 0, settled: true, report: explain() });
});

test('no answer is a 5xx other than 503, and every request got an answer', () => {
  expect({ other5xx: figures.other5xx, noAnswer: figures.noAnswer, report: explain() }).toEqual({ other5xx: {}, noAnswer: 0, report: explain() });
});

test('every grant happened exactly once: one granted row and one benefit_grant.created event each', () => {
  const e = figures.effects;
  expect({ expected: e.expected, once: e.once, duplicates: e.duplicates, missing: e.missing, stray: e.strayEvents, report: explain() })
    .toEqual({ expected: figures.ordersCommitted * figures.benefitsPerOrder, once: e.expected, duplicates: 0, missing: 0, stray: 0, report: explain() });
  expect(figures.ordersCommitted).toBeGreaterThanOrEqual(30);
});
