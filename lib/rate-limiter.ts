import { isIPv4, isIPv6 } from 'node:net';

// In-memory token buckets (one process; behind several API replicas each replica limits on its
// own, which still caps abuse per replica). Buckets refill continuously; memory stays bounded.

export interface BucketOptions {
  /** Requests allowed in a burst. */
  capacity: number;
  /** Tokens added per second (the sustained rate). */
  refillPerSecond: number;
  /** Most buckets kept; beyond it the map is swept of full (idle) buckets, then of the oldest. */
  maxBuckets?: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole seconds until one token is back (for Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxBuckets: number;

  constructor(
    readonly options: BucketOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.maxBuckets = options.maxBuckets ?? 100_000;
  }

  take(id: string, cost = 1): TakeResult {
    const now = this.clock();
    const bucket = this.refill(id, now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    const missing = cost - bucket.tokens;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / this.options.refillPerSecond)) };
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(id: string, now: number): Bucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) this.sweep(now);
      bucket = { tokens: this.options.capacity, updatedAt: now };
      this.buckets.set(id, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + elapsed * this.options.refillPerSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  /** A bucket that would be full again holds no information: drop those, then the oldest half if needed. */
  private sweep(now: number): void {
    const fullAfterMs = (this.options.capacity / this.options.refillPerSecond) * 1000;
    for (const [id, b] of this.buckets) {
      if (now - b.updatedAt >= fullAfterMs) this.buckets.delete(id);
    }
    if (this.buckets.size < this.maxBuckets) return;
    let drop = Math.ceil(this.buckets.size / 2);
    for (const id of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(id);
    }
  }
}

/**
 * The rate-limit bucket of a client address. An IPv6 client usually holds a whole /64 (one per
 * home or server), so it gets one bucket per /64, not one per address it can pick at will. An
 * IPv4-mapped IPv6 address is its IPv4 address.
 */
export function clientBucketId(ip: string | undefined): string {
  if (!ip) return 'unknown';
  let address = ip.trim().toLowerCase();
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (isIPv4(address) || !isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
