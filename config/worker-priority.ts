// The worker's CPU priority on a shared machine (lib/cpu-priority.ts applies it, and says why).
// 10 of 19: enough for the scheduler to serve the API first during a burst (docs/benchmarks.md,
// "CPU priority"), while idle CPU still goes to the worker in full.
export const DEFAULT_WORKER_NICENESS = 10;
