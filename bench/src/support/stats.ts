/** Summaries of repeated measurements: the median, and the spread as the lowest and highest round. */

/** A figure over repeated rounds. */
export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The `p`th percentile (nearest rank) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at] as number;
}

/** The median and the lowest and highest of `values`. */
export function figure(values: readonly number[]): Figure {
  return { median: percentile(values, 50), min: Math.min(...values), max: Math.max(...values) };
}

/** `12.3 (11.9-13.0)`, with `digits` decimals. */
export function show(f: Figure, digits = 1): string {
  return `${f.median.toFixed(digits)} (${f.min.toFixed(digits)}-${f.max.toFixed(digits)})`;
}
