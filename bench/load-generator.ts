// A closed-loop HTTP load generator: N keep-alive connections, each sending its next request as
// soon as the previous answer arrives. Latency is measured per request, from write to last byte.
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  statuses: Record<number, number>;
}

export interface LoadSpec {
  host: string;
  port: number;
  method: 'GET' | 'POST';
  path: string;
  /** Path of the i-th request when it varies (e.g. one customer each); `path` otherwise. */
  pathFor?: (i: number) => string;
  headers?: Record<string, string>;
  /** Headers that vary per request (e.g. the client address a proxy reports). */
  perRequestHeaders?: (i: number) => Record<string, string>;
  /** Body of the i-th request (pre-serialised JSON), if any. */
  body?: (i: number) => string;
  /** Statuses that count as success (default 200). */
  ok?: number[];
}

export async function runLoad(spec: LoadSpec, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const result: LoadResult = { requests: 0, errors: 0, seconds, latenciesMs: [], statuses: {} };
  const ok = new Set(spec.ok ?? [200]);
  const deadline = performance.now() + seconds * 1000;
  let seq = 0;

  const one = () =>
    new Promise<void>((resolve) => {
      const i = seq++;
      const body = spec.body?.(i);
      const started = performance.now();
      const req = http.request(
        {
          host: spec.host,
          port: spec.port,
          method: spec.method,
          path: spec.pathFor?.(i) ?? spec.path,
          agent,
          headers: {
            ...spec.headers,
            ...spec.perRequestHeaders?.(i),
            ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            result.latenciesMs.push(performance.now() - started);
            result.requests += 1;
            result.statuses[res.statusCode ?? 0] = (result.statuses[res.statusCode ?? 0] ?? 0) + 1;
            if (!ok.has(res.statusCode ?? 0)) result.errors += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        result.requests += 1;
        result.errors += 1;
        resolve();
      });
      req.end(body);
    });

  const worker = async () => {
    while (performance.now() < deadline) await one();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  result.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

export function merge(results: LoadResult[]): LoadResult {
  const out: LoadResult = { requests: 0, errors: 0, seconds: 0, latenciesMs: [], statuses: {} };
  for (const r of results) {
    out.requests += r.requests;
    out.errors += r.errors;
    out.seconds += r.seconds;
    for (const l of r.latenciesMs) out.latenciesMs.push(l);
    for (const [s, n] of Object.entries(r.statuses)) out.statuses[Number(s)] = (out.statuses[Number(s)] ?? 0) + n;
  }
  return out;
}

export function summary(r: LoadResult): { rps: number; p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(r.latenciesMs).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return { rps: r.requests / r.seconds, p50: at(0.5), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}
