// The license_keys strategy's pure parts (properties, keys, expiry arithmetic, which changes
// matter) and the token bucket rate limiter.
import { addTimeframe, displayKey, generateLicenseKey } from '../../benefits/license-keys/license-key-format';
import { licenseKeysStrategy } from '../../benefits/license-keys/license-keys.strategy';
import { TokenBucketLimiter } from '../../lib/rate-limiter';

const UUID = '[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}';

describe('license key strings', () => {
  it('are PREFIX-<uppercase uuid>, or the bare uuid, and unique', () => {
    expect(generateLicenseKey('acme')).toMatch(new RegExp(`^ACME-${UUID}$`));
    expect(generateLicenseKey(null)).toMatch(new RegExp(`^${UUID}$`));
    expect(generateLicenseKey('  ')).toMatch(new RegExp(`^${UUID}$`));
    const many = new Set(Array.from({ length: 1000 }, () => generateLicenseKey('x')));
    expect(many.size).toBe(1000);
  });

  it('display the last 6 characters only', () => {
    expect(displayKey('ACME-0B1C2D3E-AAAA-4BBB-8CCC-123456ABCDEF')).toBe('****-ABCDEF');
  });
});

describe('properties', () => {
  const parse = (p: unknown) => licenseKeysStrategy.propertiesSchema.safeParse(p);

  it('normalise to every field present', () => {
    expect(parse({}).data).toEqual({ prefix: null, expires: null, activations: null, limit_usage: null });
    expect(parse({ prefix: ' app ', expires: { ttl: 2, timeframe: 'month' }, limit_usage: 3 }).data).toEqual({
      prefix: 'app',
      expires: { ttl: 2, timeframe: 'month' },
      activations: null,
      limit_usage: 3,
    });
  });

  it('reject bad values at their path', () => {
    const paths = (p: unknown) => (parse(p).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ expires: { ttl: 0, timeframe: 'day' } })).toEqual(['expires.ttl']);
    expect(paths({ activations: { limit: 2 ** 31, enable_customer_admin: false } })).toEqual(['activations.limit']);
    expect(paths({ limit_usage: 0 })).toEqual(['limit_usage']);
    expect(paths({ surprise: 1 })).toEqual(['']);
  });

  it('only expiry and limit changes require updating issued keys', () => {
    const base = {
      prefix: 'A',
      expires: { ttl: 1, timeframe: 'day' as const },
      activations: { limit: 1, enable_customer_admin: false },
      limit_usage: 5,
    };
    const changed = (over: object) => licenseKeysStrategy.requiresUpdate(base, { ...base, ...over });
    expect(changed({})).toBe(false);
    expect(changed({ prefix: 'B' })).toBe(false);
    expect(changed({ activations: { limit: 1, enable_customer_admin: true } })).toBe(false);
    expect(changed({ activations: { limit: 2, enable_customer_admin: false } })).toBe(true);
    expect(changed({ activations: null })).toBe(true);
    expect(changed({ expires: { ttl: 1, timeframe: 'month' } })).toBe(true);
    expect(changed({ expires: null })).toBe(true);
    expect(changed({ limit_usage: null })).toBe(true);
  });

  it('are shown with every field and are not shared between grants', () => {
    expect(licenseKeysStrategy.publicProperties({ prefix: null, expires: null, activations: null, limit_usage: 4 })).toEqual({
      prefix: null,
      expires: null,
      activations: null,
      limit_usage: 4,
    });
    expect(licenseKeysStrategy.sharedAccess).toBe(false);
  });
});

describe('addTimeframe', () => {
  const at = (iso: string, ttl: number, tf: 'day' | 'month' | 'year') => addTimeframe(new Date(iso), ttl, tf).toISOString();

  it('adds days, calendar months and years in UTC, ending on the last day of short months', () => {
    expect(at('2030-01-31T10:00:00.000Z', 1, 'day')).toBe('2030-02-01T10:00:00.000Z');
    expect(at('2030-01-31T10:00:00.000Z', 1, 'month')).toBe('2030-02-28T10:00:00.000Z');
    expect(at('2032-01-31T10:00:00.000Z', 1, 'month')).toBe('2032-02-29T10:00:00.000Z');
    expect(at('2030-11-15T00:00:00.000Z', 3, 'month')).toBe('2031-02-15T00:00:00.000Z');
    expect(at('2032-02-29T00:00:00.000Z', 1, 'year')).toBe('2033-02-28T00:00:00.000Z');
  });
});

describe('strategy without a transaction', () => {
  it('refuses to grant rather than write outside the grant', async () => {
    const ctx: any = { benefit: { properties: {} }, grant: { id: 'g', subscriptionId: null }, customer: { id: 'c' }, now: new Date() };
    await expect(licenseKeysStrategy.grant(ctx)).rejects.toThrow(/transaction/);
  });
});

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the sustained rate, with Retry-After in whole seconds', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 0.5 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(limiter.take('b').allowed).toBe(true); // buckets are independent
    now = 1000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 2000;
    expect(limiter.take('a').allowed).toBe(true);
    now = 100_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a').allowed)).toEqual([true, true, true, false]);
  });

  it('keeps memory bounded', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, maxBuckets: 100 }, () => now);
    for (let i = 0; i < 1000; i++) {
      limiter.take(`client-${i}`);
      now += 1;
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
