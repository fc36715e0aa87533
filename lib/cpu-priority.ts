// Background work yields the CPU to requests on a shared machine.
//
// On one machine (`npm start`, one docker-compose host) the API, PostgreSQL, the worker and the
// Temporal dev server share the cores. A burst of purchases then waited for CPU behind the grants
// it had just queued: the purchase call's p99 was set by the worker, not by the request's own
// work. The worker and the dev server run with a higher niceness, so the scheduler serves the API
// (and PostgreSQL) first and a burst's grants wait in PostgreSQL instead (docs/benchmarks.md,
// "CPU priority"). Idle CPU still goes to them in full: niceness only orders who runs first.
//
// Linux keeps a nice value per thread, and setpriority(2) on a process id changes only its main
// thread; threads started later inherit their creator's. So every current thread is set.
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';

export interface PriorityResult {
  /** Threads whose niceness was raised to the target. */
  lowered: number;
  /** Threads that could not be changed (gone, or not ours). */
  failed: number;
}

/** Raises the niceness of every thread of `pid` to at least `niceness` (never lowers it). */
export function lowerCpuPriority(pid: number, niceness: number): PriorityResult {
  const result: PriorityResult = { lowered: 0, failed: 0 };
  if (niceness <= 0) return result;
  const tasks = `/proc/${pid}/task`;
  const ids = existsSync(tasks) ? readdirSync(tasks).map(Number) : [pid];
  for (const id of ids) {
    try {
      if (os.getPriority(id) >= niceness) continue;
      os.setPriority(id, niceness);
      result.lowered++;
    } catch {
      result.failed++;
    }
  }
  return result;
}
