/** The producer's counters and latency histogram (from enqueueing to the result read back). */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { LatencyPercentiles } from '@threadfetch/core';

export class Tally {
  completed = 0;
  failed = 0;
  cancelled = 0;
  /** Our jobs BullMQ moved back to wait after their worker process stopped renewing its lock. */
  stalled = 0;
  /** Our jobs failed for stalling more than the workers' max stalled count. */
  stalledOut = 0;
  readonly #latency: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });

  record(ms: number): void {
    this.#latency.record(Math.max(1, Math.round(ms * 1000)));
  }

  latency(): LatencyPercentiles {
    const h = this.#latency;
    const ms = (us: number) => (h.count === 0 ? 0 : us / 1000);
    return { count: h.count, p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max) };
  }
}
