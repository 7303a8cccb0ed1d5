/**
 * A lane: the main thread's end of one worker's MessageChannel, and the jobs running on that worker.
 * The port keeps the process alive only while the lane has work (jobs, or a drain at close): an idle
 * worker, or one that never got a request, must not.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import {
  type CancelReason,
  type DrainedMessage,
  HeartbeatReader,
  type LaneMessage,
  MessageType,
  type ProgressMessage,
  type RequestSpec,
  type ResultsMessage,
} from '@threadfetch/worker/protocol';
import type { Job } from './job.js';

/** What a lane's worker is for: requests without a callback only (`io`), or any request (`callback`). */
export type LaneRole = 'io' | 'callback';

/** Whether a job runs a background callback in its worker. */
export const hasCallback = (job: Job): boolean => job.spec.background !== undefined;

export class Lane {
  readonly jobs = new Map<number, Job>();
  /** Jobs on the lane that run a background callback. */
  callbackJobs = 0;
  /** Why the worker died, once known (its uncaught error, or its exit code). */
  cause: string | undefined;
  /**
   * Set when the executor terminates this worker for a request it would not let go (what, in words):
   * the lane takes no more jobs, and the jobs left on it fail with TF_ERR_WORKER_STUCK naming it.
   */
  stuck: string | undefined;
  readonly heartbeat: HeartbeatReader;
  /** Resolves the pending {@link drain}, if any. */
  #drained: (() => void) | undefined;
  #refd = false;

  constructor(
    readonly threadId: number,
    readonly port: MessagePort,
    readonly worker: Worker | undefined,
    readonly role: LaneRole,
    heartbeat: SharedArrayBuffer,
    onMessage: (message: ResultsMessage | ProgressMessage) => void,
  ) {
    this.heartbeat = new HeartbeatReader(heartbeat);
    // Adding a 'message' listener refs the port: listen first, then unref.
    port.on('message', (message: ResultsMessage | ProgressMessage | DrainedMessage) => {
      if (message.type === MessageType.drained) this.#finishDrain();
      else onMessage(message);
    });
    port.unref();
  }

  /** Sends a batch of jobs to the worker; throws, with none of them on the lane, when it cannot be cloned. */
  send(jobs: readonly Job[]): void {
    const specs = jobs.map((job) => job.spec);
    this.port.postMessage({ type: MessageType.batch, specs } satisfies LaneMessage, portsOf(specs));
    for (const job of jobs) {
      this.jobs.set(job.spec.id, job);
      if (hasCallback(job)) this.callbackJobs += 1;
    }
    this.#updateRef();
  }

  cancel(id: number, reason: CancelReason): void {
    this.port.postMessage({ type: MessageType.cancel, ids: [id], reason } satisfies LaneMessage);
  }

  /** Age in ms, at `now` (epoch ms), of the oldest job on the lane; 0 when it has none. */
  oldestMs(now: number): number {
    let oldest = now;
    for (const job of this.jobs.values()) if (job.sentAt < oldest) oldest = job.sentAt;
    return Math.round(now - oldest);
  }

  /** Takes a job off the lane (its result came back); the job, if it was here. */
  take(id: number): Job | undefined {
    const job = this.jobs.get(id);
    if (job === undefined) return undefined;
    this.jobs.delete(id);
    if (hasCallback(job)) this.callbackJobs -= 1;
    this.#updateRef();
    return job;
  }

  /**
   * Asks the worker to flush its stdout and stderr (the lines it wrote reach the main thread) and
   * resolves when it says it has, or after `ms`, whichever comes first.
   */
  drain(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#finishDrain(), ms);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#updateRef();
      try {
        this.port.postMessage({ type: MessageType.drain } satisfies LaneMessage);
      } catch {
        this.#finishDrain();
      }
    });
  }

  close(): void {
    this.#finishDrain();
    this.port.close();
  }

  #finishDrain(): void {
    const done = this.#drained;
    this.#drained = undefined;
    this.#updateRef();
    done?.();
  }

  /** Ref'd exactly while there are jobs on the lane or a drain is pending. */
  #updateRef(): void {
    const busy = this.jobs.size > 0 || this.#drained !== undefined;
    if (busy === this.#refd) return;
    this.#refd = busy;
    if (busy) this.port.ref();
    else this.port.unref();
  }
}

/** What specs carry that must be transferred with them: stream and hooks channels, streamed upload bodies, a run's bytes. */
export function portsOf(specs: readonly RequestSpec[]): (MessagePort | ReadableStream | ArrayBuffer)[] {
  const list: (MessagePort | ReadableStream | ArrayBuffer)[] = [];
  for (const spec of specs) {
    if (spec.stream) list.push(spec.stream);
    if (spec.hooks) list.push(spec.hooks);
    if (spec.cookies) list.push(spec.cookies);
    if (spec.body instanceof ReadableStream) list.push(spec.body);
    if (spec.run) list.push(...spec.run.transfer);
  }
  return list;
}
