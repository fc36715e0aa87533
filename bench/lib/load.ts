// Load generation: a raw JSON client over fetch (undici keeps connections alive per origin), a
// closed loop (fixed concurrency, as fast as the API answers) and an open loop (fixed arrival rate,
// whether or not earlier calls finished, so a slow server cannot slow the offered load down).

/** Wall-clock milliseconds with sub-millisecond precision, comparable with PostgreSQL's now(). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export interface ApiResponse {
  status: number;
  body: any;
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<ApiResponse> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, body: parsed };
  }

  /** A request that must answer `expected`; anything else is a setup failure worth stopping for. */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.request(method, path, body);
    if (res.status !== expected) {
      throw new Error(`${method} ${path} answered ${res.status} (expected ${expected}): ${JSON.stringify(res.body).slice(0, 500)}`);
    }
    return res.body;
  }
}

/** Calls `task(i)` for i in [0, n) with at most `concurrency` calls in flight. */
export async function closedLoop(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}

export interface OpenLoopResult {
  sent: number;
  /** How late the scheduler fired calls (event-loop stalls in the bench itself). */
  maxLagMs: number;
}

/**
 * Starts `task(i, scheduledAt)` at `ratePerSecond` for `durationSeconds`, never waiting for earlier
 * calls; resolves once every call finished. Latency should be taken from `scheduledAt`, so a late
 * start counts against the system rather than hiding (coordinated omission).
 */
export async function openLoop(
  ratePerSecond: number,
  durationSeconds: number,
  task: (i: number, scheduledAt: number) => Promise<void>,
): Promise<OpenLoopResult> {
  const total = Math.round(ratePerSecond * durationSeconds);
  const interval = 1000 / ratePerSecond;
  const start = nowMs();
  const inFlight: Promise<void>[] = [];
  let maxLagMs = 0;
  for (let i = 0; i < total; i++) {
    const scheduledAt = start + i * interval;
    const wait = scheduledAt - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    maxLagMs = Math.max(maxLagMs, nowMs() - scheduledAt);
    inFlight.push(task(i, scheduledAt));
  }
  await Promise.all(inFlight);
  return { sent: total, maxLagMs };
}
