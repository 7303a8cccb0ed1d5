/** Measuring what the main thread feels: wall time and event-loop delay while some work runs. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Measured<T> {
  readonly result: T;
  readonly wallMs: number;
  /** 99th percentile of the main thread's event-loop delay, in ms. */
  readonly p99Ms: number;
  /** The longest the main thread's event loop was blocked, in ms. */
  readonly maxMs: number;
}

/** Runs `work` while sampling the event-loop delay every millisecond. */
export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  try {
    const result = await work();
    const wallMs = performance.now() - started;
    // The sampler records a block when its timer fires after it: give it that turn of the loop.
    await sleep(20);
    histogram.disable();
    return { result, wallMs, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** Formats milliseconds for a table: `12.3 ms`, or seconds from 1 s up. */
export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

/** Prints rows of cells as a table with aligned columns. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   '));
}
