// The worker and the dev server step back from the API for CPU (lib/cpu-priority.ts): every thread
// of the process, including threads it starts afterwards, runs at the niceness asked for, and a
// process already further back is left where it is. Checked on real processes via /proc.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { lowerCpuPriority } from '../../lib/cpu-priority';
import { freePort } from '../../lib/free-port';
import { startDevServer } from '../../scripts/tools/dev-server';
import { ensureTemporalCli } from '../../scripts/tools/tools';

const linux = existsSync('/proc/self/task');
const base = os.getPriority();
// Somewhere above this runner's own niceness (an unprivileged process cannot come back down).
const target = Math.min(19, base + 5);

const nicenessOfThreads = (pid: number) => readdirSync(`/proc/${pid}/task`).map((tid) => os.getPriority(Number(tid)));

// A Node process with a worker thread that starts one more worker thread when told "more".
const THREADS = `
const { Worker } = require('node:worker_threads');
const idle = "setInterval(() => {}, 1000)";
new Worker(idle, { eval: true });
process.stdin.on('data', () => { new Worker(idle, { eval: true }).once('online', () => console.log('started')); });
console.log('ready');
`;

function startThreads(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', THREADS], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

(linux ? describe : describe.skip)('CPU priority', () => {
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill());

  it('lowers every thread of a process, and the threads it starts later inherit it', async () => {
    child = await startThreads();
    const pid = child.pid!;
    expect(nicenessOfThreads(pid).every((n) => n === base)).toBe(true);

    const result = lowerCpuPriority(pid, target);
    expect(result.failed).toBe(0);
    expect(result.lowered).toBeGreaterThan(2); // the main thread alone would not do
    expect(nicenessOfThreads(pid).every((n) => n === target)).toBe(true);

    const before = readdirSync(`/proc/${pid}/task`).length;
    child.stdin!.write('more\n');
    await new Promise((resolve) => child!.stdout!.once('data', resolve));
    expect(readdirSync(`/proc/${pid}/task`).length).toBeGreaterThan(before);
    expect(nicenessOfThreads(pid).every((n) => n === target)).toBe(true);
  });

  it('never raises a priority, and 0 leaves the process alone', async () => {
    child = await startThreads();
    const pid = child.pid!;
    expect(lowerCpuPriority(pid, 0)).toEqual({ lowered: 0, failed: 0 });
    expect(nicenessOfThreads(pid).every((n) => n === base)).toBe(true);

    lowerCpuPriority(pid, target);
    expect(lowerCpuPriority(pid, Math.max(1, target - 2))).toEqual({ lowered: 0, failed: 0 });
    expect(nicenessOfThreads(pid).every((n) => n === target)).toBe(true);
  });

  it('runs the Temporal dev server at the niceness it is given', async () => {
    const cli = await ensureTemporalCli(() => undefined, { cliPath: process.env.TEMPORAL_CLI_PATH });
    if (cli.kind !== 'existing-path') throw new Error('the test suite provisions the Temporal CLI');
    const server = await startDevServer({ source: cli, port: await freePort(), niceness: target });
    try {
      const threads = nicenessOfThreads(server.pid!);
      expect(threads.length).toBeGreaterThan(1);
      expect(threads.every((n) => n === target)).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
