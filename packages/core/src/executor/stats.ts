/** Counters and latency percentiles of an executor, read with `stats()`. */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** One worker thread's load. */
export interface WorkerLoad {
  readonly threadId: number;
  /** Requests sent to it and not yet back: counted on the main thread, from its lane. */
  readonly inflight: number;
  /**
   * How long its event loop has not turned, in ms (from its heartbeat): 0 while it is responsive,
   * however many requests it runs. A callback that blocks the loop shows here.
   */
  readonly unresponsiveMs: number;
  /** Age in ms of the oldest request on it (since it was sent), 0 when it has none. */
  readonly oldestMs: number;
  /** How long the callback now running synchronously on it has run, in ms; 0 when none is. */
  readonly callbackMs: number;
}

/** Latency percentiles in milliseconds, from handing a request to the pool to its result arriving back. */
export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** A snapshot of an executor's state and history (since it was made). */
export interface ExecutorStats {
  /** Waiting on the main thread's queue for a free slot (up to `maxQueue`). */
  readonly queued: number;
  /**
   * Given a slot (at most `maxWorkers * concurrencyPerWorker`), not yet back: sent to a worker, or
   * about to be (this turn's batch, or waiting for a worker that is starting or replacing a dead one).
   */
  readonly inflight: number;
  /** Finished with a response. */
  readonly completed: number;
  /**
   * Finished with an error: in a worker, a worker crash, or refused by the executor (TF_ERR_QUEUE_FULL
   * past `maxQueue`, TF_ERR_SESSION_CLOSED once it is shut down). Cancellations are not included.
   */
  readonly failed: number;
  /** Cancelled: `cancel()`, a signal, an `onProgress` that threw, or `close({ force })`. */
  readonly cancelled: number;
  /** Ended by their deadline (`timeout`): counted apart from `cancelled`. */
  readonly timedOut: number;
  /** Requests sent again after their worker crashed (`crashRetries`). */
  readonly crashRetried: number;
  /** Worker threads that died and were replaced. */
  readonly workerCrashes: number;
  /**
   * Worker threads terminated (and replaced) because a request on them was not let go within
   * `terminateGrace` of its deadline or cancel. Not counted in `workerCrashes`.
   */
  readonly workersTerminated: number;
  readonly workers: readonly WorkerLoad[];
  readonly latency: LatencyPercentiles;
}

/** Latencies recorded in ms, kept as a histogram (microsecond resolution, up to an hour). */
class LatencyHistogram {
  readonly #histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });

  /** Records one latency, in ms. */
  record(ms: number): void {
    this.#histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  /** The percentiles so far, in ms (zeros before the first record). */
  percentiles(): LatencyPercentiles {
    const h = this.#histogram;
    const ms = (us: number) => (h.count === 0 ? 0 : us / 1000);
    return { count: h.count, p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max) };
  }
}

/** An executor's running tally, read by its `stats()` (the thread pool's, and the queue producer's). */
export class Tally {
  completed = 0;
  failed = 0;
  cancelled = 0;
  timedOut = 0;
  crashRetried = 0;
  workerCrashes = 0;
  workersTerminated = 0;
  readonly latency = new LatencyHistogram();
}
