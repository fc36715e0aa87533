// Small statistics and text-table helpers for benchmark reports.

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function distribution(values: number[]): Distribution {
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function seconds(valueMs: number): string {
  return Number.isFinite(valueMs) ? `${(valueMs / 1000).toFixed(1)} s` : 'n/a';
}

export function rate(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? count / (elapsedMs / 1000) : NaN;
}

export function perSecond(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)}/s` : 'n/a';
}

export function mb(value: number | undefined | null): string {
  return value === undefined || value === null || !Number.isFinite(value) ? 'n/a' : `${Math.round(value)} MB`;
}

/** A verdict next to a figure that has a target: ok / MISS / n/a. */
export function verdict(met: boolean | null): string {
  return met === null ? 'n/a' : met ? 'ok' : 'MISS';
}

export type Row = [label: string, value: string, target?: string, verdict?: string];

/** Left-aligned columns, separated by two spaces; rows may leave the target columns empty. */
export function table(title: string, rows: Row[]): string {
  const header: Row = ['figure', 'value', 'target', ''];
  const all = [header, ...rows].map((r) => [r[0], r[1], r[2] ?? '', r[3] ?? '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [title, rule, line(all[0]), rule, ...all.slice(1).map(line), rule].join('\n');
}
