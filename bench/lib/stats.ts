/** Summary statistics of bench samples (nearest-rank percentiles). */

/** The `p`-th percentile (0–100) by nearest rank; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

/** Median (50th percentile, nearest rank); null for no values. */
export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/** Arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Largest value; null for no values. */
export function max(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

/** `x` rounded to `digits` decimals; null stays null. */
export function round(x: number | null | undefined, digits = 1): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
