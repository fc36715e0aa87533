// `npm run fuzz`: Schemathesis over the API's own /openapi.json against a stack this script starts
// (embedded PostgreSQL, the Temporal dev server, the API as a child process). Two runs: the
// merchant's operations with an organization token, the customer portal's with a customer session.
// Prints how many test cases answered 5xx and how many responses broke their schema; exits 1 when
// either is not zero (test/integration/fuzz.test.ts runs a bounded, seeded version in `npm test`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSchemathesis, FuzzOptions, parseFuzzOptions, runSchemathesis, RunSummary } from './fuzz/schemathesis';
import { startFuzzStack } from './fuzz/stack';

async function main(): Promise<number> {
  const opts = parseFuzzOptions(process.argv.slice(2));
  const log = (msg: string) => process.stderr.write(`[fuzz] ${msg}\n`);
  const st = await ensureSchemathesis(log);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));
  const stack = await startFuzzStack(dir, log, opts.verbose);
  const onSignal = () => void stack.close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summaries: RunSummary[] = [];
    for (const run of runs(opts, stack)) {
      log(`${run.label}: st run ${stack.baseUrl}/openapi.json (${run.filter.join(' ')})`);
      summaries.push(
        await runSchemathesis(st, { ...run, schemaUrl: `${stack.baseUrl}/openapi.json`, reportDir: path.join(dir, run.label), opts }),
      );
    }
    const serverErrors = summaries.reduce((n, s) => n + s.serverErrors, 0);
    const schemaViolations = summaries.reduce((n, s) => n + s.schemaViolations, 0);
    for (const s of summaries) {
      process.stdout.write(
        `${s.label}: ${s.testCases} test cases over ${s.operations} operations, ${s.serverErrors} answered 5xx, ` +
          `${s.schemaViolations} response schema violations, ${s.otherFailures} other failures, ${s.errors} errors\n`,
      );
      for (const f of s.failures) process.stdout.write(`  ${f.type} x${f.count}: ${f.title} (${f.operations.join(', ')})\n`);
    }
    process.stdout.write(`FUZZ RESULT: ${serverErrors} test cases answered 5xx, ${schemaViolations} response schema violations\n`);
    if (opts.summaryPath) {
      // For the jest test: the figures as JSON, read back by the test.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(opts.summaryPath, JSON.stringify({ serverErrors, schemaViolations, runs: summaries }, null, 2));
    }
    if (opts.verbose) process.stderr.write(readApiLog(dir));
    return serverErrors === 0 && schemaViolations === 0 && summaries.every((s) => s.errors === 0 && s.complete) ? 0 : 1;
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The merchant's operations with an organization token; the portal's with a customer session. */
function runs(opts: FuzzOptions, stack: { orgToken: string; customerToken: string }) {
  return [
    { label: 'organization', token: stack.orgToken, filter: ['--exclude-tag', 'customer-portal'] },
    { label: 'customer-session', token: stack.customerToken, filter: ['--include-tag', 'customer-portal'] },
  ].filter((r) => opts.only === null || opts.only === r.label);
}

function readApiLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'api.log'), 'utf8');
  } catch {
    return '';
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`fuzz failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
