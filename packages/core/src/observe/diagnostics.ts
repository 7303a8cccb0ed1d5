/**
 * `node:diagnostics_channel` events, all published on the main thread. What happens in a worker
 * (`headers`) is published when its result comes back, with the time it happened (`at`, epoch ms).
 * Nothing is built unless a channel has subscribers. Messages carry the request's method and URL
 * (`request`, the URL's user and password `[redacted]`), never its headers or body. undici's own
 * channels are published alongside, for undici's instrumentations (undici-channels.ts).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { RequestRef } from '@threadfetch/worker';
import { type ResultEnvelope, redactUrl } from '@threadfetch/worker/protocol';
import type { Executor, Job } from '../executor/job.js';
import { undiciCreated, undiciSettled } from './undici-channels.js';

/** The channel names, for `diagnostics_channel.subscribe(name, fn)`. */
export const channels = Object.freeze({
  /** A request was made (validated, given an id). `{ id, request }` */
  create: 'threadfetch:request:create',
  /** A request was handed to the worker pool. `{ id, request, at }` */
  start: 'threadfetch:request:start',
  /** Its response headers arrived in the worker. `{ id, request, status, at }` */
  headers: 'threadfetch:request:headers',
  /** It settled with a response. `{ id, request, status }` */
  end: 'threadfetch:request:end',
  /** It settled with an error (cancellations and deadlines included). `{ id, request, error }` */
  error: 'threadfetch:request:error',
  /**
   * A worker was terminated because a request on it was not let go within `terminateGrace` of its
   * deadline or cancel. `{ executor, threadId, id, request, reason, heldMs, bystanders }`
   */
  workerTerminate: 'threadfetch:worker:terminate',
  /** A worker thread of a ThreadExecutor is ready for requests. `{ executor, threadId }` */
  workerStart: 'threadfetch:worker:start',
  /**
   * A worker thread exited: `crashed` unless its executor was shutting down or terminated it (see
   * `workerTerminate`); `cause` says why; `requests` were on it. `{ executor, threadId, cause, crashed, requests }`
   */
  workerExit: 'threadfetch:worker:exit',
});

const create = diagnosticsChannel.channel(channels.create);
const start_ = diagnosticsChannel.channel(channels.start);
const headers = diagnosticsChannel.channel(channels.headers);
const end = diagnosticsChannel.channel(channels.end);
const error_ = diagnosticsChannel.channel(channels.error);
const terminate = diagnosticsChannel.channel(channels.workerTerminate);
const workerStart = diagnosticsChannel.channel(channels.workerStart);
const workerExit = diagnosticsChannel.channel(channels.workerExit);

const ref = (job: Job): RequestRef => ({ method: job.spec.method, url: redactUrl(job.spec.url) });

/** The request was made; undici's `create` too, for undici's instrumentations (undici-channels.ts). */
export function created(job: Job): void {
  if (create.hasSubscribers) create.publish({ id: job.spec.id, request: ref(job) });
  undiciCreated(job);
}

export function start(job: Job): void {
  if (start_.hasSubscribers) start_.publish({ id: job.spec.id, request: ref(job), at: job.sentAt });
}

/** The worker-side events a result reports. */
export function workerEvents(job: Job, result: ResultEnvelope): void {
  if (result.ok && !job.spec.run && headers.hasSubscribers) headers.publish({ id: job.spec.id, request: ref(job), status: result.status, at: result.times[1] });
}

/** The request settled: `error` when it failed, else its response (a Response, or a StreamResponse at its head). */
export function settled(job: Job, error: Error | undefined, value: unknown): void {
  undiciSettled(job, error, value);
  const status = (value as { status?: number } | undefined)?.status;
  if (error) {
    if (error_.hasSubscribers) error_.publish({ id: job.spec.id, request: ref(job), error });
  } else if (end.hasSubscribers) end.publish({ id: job.spec.id, request: ref(job), status });
}

/** A worker was terminated for `job`, held `heldMs` past its `reason`, with `bystanders` other jobs on it. */
export function workerTerminated(executor: Executor, threadId: number, job: Job, reason: string, heldMs: number, bystanders: number): void {
  if (terminate.hasSubscribers) terminate.publish({ executor, threadId, id: job.spec.id, request: ref(job), reason, heldMs: Math.round(heldMs), bystanders });
}

export function workerStarted(executor: Executor, threadId: number): void {
  if (workerStart.hasSubscribers) workerStart.publish({ executor, threadId });
}

export function workerExited(executor: Executor, threadId: number, cause: string | undefined, crashed: boolean, requests: number): void {
  if (workerExit.hasSubscribers) workerExit.publish({ executor, threadId, cause, crashed, requests });
}
