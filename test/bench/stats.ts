/** Timing helpers for `npm run bench`: a monotonic stopwatch and a latency summary. */

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

/** Milliseconds from a monotonic clock (never the app's hand-driven one). */
export const now = (): number => performance.now();

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], p: number): number {
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
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
  };
}

/** Runs `fn` `n` times (after `warmup` uncounted runs) and returns each run's milliseconds. */
export function timeSync(n: number, fn: (i: number) => void, warmup = 0): number[] {
  for (let i = 0; i < warmup; i++) fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    fn(i);
    out.push(now() - t0);
  }
  return out;
}

/** Resolves on the next turn of the event loop (after pending I/O callbacks have run). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Polls `probe` once per event-loop turn until it is true; returns the monotonic time it first was.
 * The guard only stops a broken run from hanging; it is not a pass/fail threshold.
 */
export async function until(probe: () => boolean, what: string, guardMs = 30_000): Promise<number> {
  const give = now() + guardMs;
  for (;;) {
    if (probe()) return now();
    if (now() > give) throw new Error(`bench: gave up waiting for ${what} after ${guardMs} ms`);
    await nextTurn();
  }
}

const ms = (x: number): string => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '–');

/** A markdown table row: `| label | N | median | p95 | max | mean |`. */
export function row(label: string, s: Summary): string {
  return `| ${label} | ${s.n} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} | ${ms(s.mean)} |`;
}

export const TABLE_HEAD = [
  '| | N | median ms | p95 ms | max ms | mean ms |',
  '|---|---:|---:|---:|---:|---:|',
];

export { ms as fmtMs };
