/** Timing helpers for `npm run bench`: a monotonic stopwatch, a latency summary, table rows. */

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Milliseconds from a monotonic clock (never the app's hand-driven one). */
export const now = (): number => performance.now();

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
  };
}

const ms = (x: number): string => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '–');

/** A markdown table row: `| label | N | min | median | p95 | p99 | max |`. */
export function row(label: string, s: Summary, unit = 'ms'): string {
  const f = unit === 's' ? (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–') : ms;
  return `| ${label} | ${s.n} | ${f(s.min)} | ${f(s.median)} | ${f(s.p95)} | ${f(s.p99)} | ${f(s.max)} |`;
}

export const tableHead = (unit = 'ms'): string[] => [
  `| | N | min ${unit} | median ${unit} | p95 ${unit} | p99 ${unit} | max ${unit} |`,
  '|---|---:|---:|---:|---:|---:|---:|',
];

export { ms as fmtMs };
