// How much memory a worker may hold, and how it is told.
//
// V8 collects garbage lazily: a heap grows towards its limit before full collections reclaim much.
// Node's default limit is about 4 GiB per thread on a machine of this kind, and a worker has two
// heaps (its main thread, and the SDK's workflow thread that holds every cached workflow). At
// 10,000 open grants the worker sat at 1.2 GB resident, most of it garbage. With 512 MiB per heap
// and 1,000 cached workflows it stayed under 600 MB at the same throughput (docs/benchmarks.md,
// "Worker memory").
//
// Only a command-line flag sets a thread's heap limit before it starts, so every launcher of the
// worker passes it: `npm start` and the benches (workerNodeArgs), `npm run worker`, docker-compose.
import v8 from 'node:v8';

export const WORKER_HEAP_MB = 512;

// The SDK's default cache is sized from the heap limit (about 180 workflows at 512 MiB): far fewer
// than a worker holds comfortably, as each cached grant keeps about 60 KB live.
export const DEFAULT_MAX_CACHED_WORKFLOWS = 1_000;

/** Node flags a worker process is started with. */
export function workerNodeArgs(heapMb: number = WORKER_HEAP_MB): string[] {
  return [`--max-old-space-size=${heapMb}`];
}

/** This thread's V8 heap limit, in MiB. */
export function heapLimitMb(): number {
  return Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
}

/**
 * What a worker says at start when it was launched without its heap flag: its heaps may then keep
 * garbage up to Node's default limit. Null when the limit is near the configured one.
 */
export function largeHeapWarning(limitMb: number, heapMb: number): string | null {
  // V8 adds its young generation to the old-space flag: 512 reports about 560.
  if (limitMb <= heapMb * 1.5) return null;
  return `the worker's heap limit is ${limitMb} MiB: start it with node --max-old-space-size=${heapMb} to bound its memory (WORKER_HEAP_MB)`;
}
