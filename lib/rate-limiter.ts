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
