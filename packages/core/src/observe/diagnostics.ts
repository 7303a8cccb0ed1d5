/**
 * `node:diagnostics_channel` events, all published on the main thread. What happens in a worker
 * (`headers`) is published when its result comes back, with the time it happened (`at`, epoch ms).
 * Nothing is built unless a channel has subscribers. Messages carry the request's method and URL
 * (`request`, the URL's user and password `[redacted]`), never its headers or body.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { RequestRef } from '@threadfetch/worker';
import { type ResultEnvelope, redactUrl } from '@threadfetch/worker/protocol';
import type { Job } from '../executor/job.js';

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
   * deadline or cancel. `{ threadId, id, request, reason, heldMs, bystanders }`
   */
  workerTerminate: 'threadfetch:worker:terminate',
});

const create = diagnosticsChannel.channel(channels.create);
const start_ = diagnosticsChannel.channel(channels.start);
const headers = diagnosticsChannel.channel(channels.headers);
const end = diagnosticsChannel.channel(channels.end);
const error_ = diagnosticsChannel.channel(channels.error);
const terminate = diagnosticsChannel.channel(channels.workerTerminate);

const ref = (job: Job): RequestRef => ({ method: job.spec.method, url: redactUrl(job.spec.url) });

export function created(job: Job): void {
  if (create.hasSubscribers) create.publish({ id: job.spec.id, request: ref(job) });
}

export function start(job: Job): void {
  if (start_.hasSubscribers) start_.publish({ id: job.spec.id, request: ref(job), at: job.sentAt });
}

/** The worker-side events a result reports. */
export function workerEvents(job: Job, result: ResultEnvelope): void {
  if (result.ok && !job.spec.run && headers.hasSubscribers) headers.publish({ id: job.spec.id, request: ref(job), status: result.status, at: result.times[1] });
}

/** The request settled: `error` when it failed, else its response status. */
export function settled(job: Job, error: Error | undefined, status: number | undefined): void {
  if (error) {
    if (error_.hasSubscribers) error_.publish({ id: job.spec.id, request: ref(job), error });
  } else if (end.hasSubscribers) end.publish({ id: job.spec.id, request: ref(job), status });
}

/** A worker was terminated for `job`, held `heldMs` past its `reason`, with `bystanders` other jobs on it. */
export function workerTerminated(threadId: number, job: Job, reason: string, heldMs: number, bystanders: number): void {
  if (terminate.hasSubscribers) terminate.publish({ threadId, id: job.spec.id, request: ref(job), reason, heldMs: Math.round(heldMs), bystanders });
}
