/** The producer's counters and latency histogram (from enqueueing to the result read back). */
import { LatencyHistogram } from '@threadfetch/core';

export class Tally {
  completed = 0;
  failed = 0;
  cancelled = 0;
  /** Our jobs BullMQ moved back to wait after their worker process stopped renewing its lock. */
  stalled = 0;
  /** Our jobs failed for stalling more than the workers' max stalled count. */
  stalledOut = 0;
  readonly latency = new LatencyHistogram();
}
