// The license key itself: its format, what the API shows of it, and the calendar arithmetic of its
// expiry. Pure apart from the platform's random source, so the strategy, the wire serializer and
// the tests share one definition.
import { randomUUID } from 'node:crypto';

export type Timeframe = 'year' | 'month' | 'day';

/** `PREFIX-<UUID>` (or the bare UUID), uppercase, from the platform's cryptographic source. */
export function generateLicenseKey(prefix: string | null | undefined): string {
  const id = randomUUID().toUpperCase();
  const p = prefix?.trim();
  return p ? `${p.toUpperCase()}-${id}` : id;
}

/** What the API shows instead of the key: the last 6 characters. */
export function displayKey(key: string): string {
  return `****-${key.slice(-6)}`;
}

/** Calendar arithmetic in UTC; a month or year that has no such day ends on its last day. */
export function addTimeframe(from: Date, ttl: number, timeframe: Timeframe): Date {
  if (timeframe === 'day') return new Date(from.getTime() + ttl * 86_400_000);
  const months = timeframe === 'year' ? ttl * 12 : ttl;
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}
