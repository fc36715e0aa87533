// A worker's heaps are bounded by the flag its launchers pass: checked in a real Node process, on
// its main thread and on a worker thread (where the SDK runs every cached workflow), and in each
// place that launches a worker outside `npm start`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { largeHeapWarning, WORKER_HEAP_MB, workerNodeArgs } from '../../config/worker-memory';

const ROOT = join(__dirname, '..', '..');

// Prints the heap limit (MiB) of the main thread and of a worker thread it starts.
const REPORT_HEAP_LIMITS = `
const v8 = require('node:v8');
const { Worker } = require('node:worker_threads');
const mb = () => Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
const thread = "require('node:worker_threads').parentPort.postMessage(Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20))";
new Worker(thread, { eval: true }).once('message', (t) => { console.log(JSON.stringify({ main: mb(), thread: t })); process.exit(0); });
`;

function heapLimits(nodeArgs: string[]): { main: number; thread: number } {
  const env = { ...process.env, NODE_OPTIONS: '' };
  return JSON.parse(execFileSync(process.execPath, [...nodeArgs, '-e', REPORT_HEAP_LIMITS], { env, encoding: 'utf8' }));
}

describe('worker memory', () => {
  it('bounds the heap of the main thread and of the workflow thread', () => {
    const bounded = heapLimits(workerNodeArgs());
    expect(bounded.main).toBeLessThanOrEqual(WORKER_HEAP_MB * 1.25);
    expect(bounded.thread).toBeLessThanOrEqual(WORKER_HEAP_MB * 1.25);
    // Without the flag Node sizes each heap from the machine: that is what the flag prevents.
    const unbounded = heapLimits([]);
    expect(unbounded.thread).toBeGreaterThan(WORKER_HEAP_MB * 1.5);
  });

  it('warns at start only when the worker runs without its flag', () => {
    expect(largeHeapWarning(560, 512)).toBeNull();
    expect(largeHeapWarning(4144, 512)).toContain('--max-old-space-size=512');
    expect(largeHeapWarning(4144, 4096)).toBeNull();
  });

  // docker-compose's worker is checked with the other compose commands (docker-compose.test.ts).
  it('is passed by `npm run worker`', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.worker).toContain(workerNodeArgs().join(' '));
  });

  // With the SDK's reusable V8 context, a module the bundle does not preload is evaluated again for
  // every workflow a worker starts or replays, and kept with it while it is cached.
  it('has the workflow bundle evaluate the workflow modules once per worker', () => {
    const code = readFileSync(process.env.TEST_WORKFLOW_BUNDLE!, 'utf8');
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(preload).toContain('"./workflows/index.ts"');
    expect(preload).toContain('"./node_modules/@temporalio/workflow/lib/index.js"');
  });
});
