/** A request as the executor tracks it, from submit to result. */
import type { RequestRef } from '@threadfetch/worker';
import type { CancelReason, RequestSpec, ResultEnvelope } from '@threadfetch/worker/protocol';
import type { ExecutorStats } from './stats.js';

export const JobState = {
  queued: 0,
  inflight: 1,
  finished: 2,
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

export interface Job {
  readonly spec: RequestSpec;
  /** The method and URL, for errors (never the headers or body). */
  readonly ref: RequestRef;
  state: JobState;
  /** Epoch ms when it was handed to the pool; 0 while queued. */
  sentAt: number;
  /**
   * Called exactly once, with the worker's envelope, or an error raised on the main thread
   * (worker crash, queue full, executor closed).
   */
  finish(result: ResultEnvelope | Error): void;
  /** Download progress reported by the worker. */
  progress(loaded: number, total: number | undefined): void;
}

/** What a session needs from an executor: the contract a distributed executor implements too. */
export interface Executor {
  /** Takes a job; it will be finished exactly once. */
  submit(job: Job): void;
  /** Cancels a queued job (never sent) or an in-flight one (aborted in its worker). false once finished. */
  cancel(job: Job, reason: CancelReason): boolean;
  /** Stops the threads; jobs still running fail. */
  destroy(): Promise<void>;
  /** Counts, per-worker load and latency percentiles. */
  stats(): ExecutorStats;
}
