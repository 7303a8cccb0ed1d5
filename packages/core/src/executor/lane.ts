/**
 * A lane: the main thread's end of one worker's MessageChannel, and the jobs running on that worker.
 * The port keeps the process alive only while the lane has jobs, as an idle worker must not.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { type CancelReason, type LaneMessage, MessageType, type RequestSpec } from '@threadfetch/worker/protocol';
import type { Job } from './job.js';

export class Lane {
  readonly jobs = new Map<number, Job>();
  /** Why the worker died, once known (its uncaught error, or its exit code). */
  cause: string | undefined;

  constructor(
    readonly threadId: number,
    readonly port: MessagePort,
    readonly worker: Worker | undefined,
  ) {
    port.unref();
  }

  /** Sends a batch of jobs to the worker. */
  send(jobs: readonly Job[]): void {
    if (this.jobs.size === 0) this.port.ref();
    const specs = jobs.map((job) => job.spec);
    for (const job of jobs) this.jobs.set(job.spec.id, job);
    this.port.postMessage({ type: MessageType.batch, specs } satisfies LaneMessage, portsOf(specs));
  }

  cancel(id: number, reason: CancelReason): void {
    this.port.postMessage({ type: MessageType.cancel, ids: [id], reason } satisfies LaneMessage);
  }

  /** Takes a job off the lane (its result came back); the job, if it was here. */
  take(id: number): Job | undefined {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.port.unref();
    return job;
  }

  close(): void {
    this.port.close();
  }
}

/** What specs carry that must be transferred with them: stream and hooks channels, streamed upload bodies. */
export function portsOf(specs: readonly RequestSpec[]): (MessagePort | ReadableStream)[] {
  const list: (MessagePort | ReadableStream)[] = [];
  for (const spec of specs) {
    if (spec.stream) list.push(spec.stream);
    if (spec.hooks) list.push(spec.hooks);
    if (spec.cookies) list.push(spec.cookies);
    if (spec.body instanceof ReadableStream) list.push(spec.body);
  }
  return list;
}
