/** A queue job as the local ThreadExecutor runs it: a Job whose result settles a promise, once. */
import type { Job } from '@threadfetch/core';
import type { RequestRef } from '@threadfetch/worker';
import { epochNow, type RequestSpec, type ResultEnvelope, serializeError } from '@threadfetch/worker/protocol';

export class LocalJob implements Job {
  readonly spec: RequestSpec;
  readonly ref: RequestRef;
  state: Job['state'] = 0;
  sentAt = 0;
  readonly result: Promise<ResultEnvelope>;
  #resolve!: (envelope: ResultEnvelope) => void;
  #done = false;

  constructor(spec: RequestSpec) {
    this.spec = spec;
    this.ref = { method: spec.method, url: spec.url };
    this.result = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** From the executor: the thread's envelope, or an error raised in this process (a crash, shutdown). */
  finish(result: ResultEnvelope | Error): void {
    this.settle(result instanceof Error ? failure(this.spec.id, result) : result);
  }

  /** Settles with `envelope` unless settled already (a cancel settles at once; the thread's result comes later). */
  settle(envelope: ResultEnvelope): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve(envelope);
  }

  /** Progress is not carried across machines (producers refuse onProgress). */
  progress(): void {}
}

/** A failure envelope for an error raised outside the worker threads. */
export function failure(id: number, error: Error): ResultEnvelope {
  const now = epochNow();
  return { id, ok: false, error: serializeError(error), times: [now, now, now, now, now] };
}
