// A bounded, seeded `npm run fuzz`: Schemathesis over the API's own /openapi.json, the merchant's
// operations with an organization token and the portal's with a customer session, against a stack
// the runner starts. No test case may answer 5xx and every response must match its schema.
// Schemathesis comes from PyPI into .tools/venv on first use (scripts/fuzz/schemathesis.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TIME_LIMIT_MS = 9 * 60_000;
jest.setTimeout(TIME_LIMIT_MS + 30_000);

const root = path.resolve(__dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fuzz-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  serverErrors: number;
  schemaViolations: number;
  runs: {
    label: string;
    complete: boolean;
    errors: number;
    testCases: number;
    failures: { type: string; title: string; count: number; operations: string[] }[];
  }[];
}

function runFuzz(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/fuzz.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-60_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), TIME_LIMIT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('no fuzzed request answers 5xx and every response matches its schema', async () => {
  const summaryPath = path.join(dir, 'summary.json');
  const { code, output } = await runFuzz(['--max-examples', '10', '--seed', '1', '--phases', 'coverage,fuzzing', '--summary', summaryPath]);
  let summary: Summary;
  try {
    summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  } catch {
    throw new Error(`the fuzz runner wrote no summary (exit ${code}):\n${output.slice(-8_000)}`);
  }
  const failures = summary.runs.flatMap((r) =>
    r.failures.map((f) => `${r.label}: ${f.type} x${f.count} ${f.title} (${f.operations.join(', ')})`),
  );
  // On failure the details (inputs, curl commands) are in the runner's output.
  const context = `${failures.join('\n')}\n--- runner output (tail) ---\n${output.slice(-12_000)}`;
  expect({ serverErrors: summary.serverErrors, schemaViolations: summary.schemaViolations, context }).toEqual({
    serverErrors: 0,
    schemaViolations: 0,
    context,
  });
  expect(summary.runs.map((r) => ({ label: r.label, complete: r.complete, errors: r.errors, tested: r.testCases > 0 }))).toEqual([
    { label: 'organization', complete: true, errors: 0, tested: true },
    { label: 'customer-session', complete: true, errors: 0, tested: true },
  ]);
  expect(code).toBe(0);
});
