/**
 * The local executor: a Piscina pool of worker threads. Requests made in one synchronous run are sent
 * as batches (one Piscina task per worker's share), results come back coalesced, and cancellation uses
 * a BroadcastChannel, so a cancel never terminates a worker.
 */
import { availableParallelism } from 'node:os';
import { debuglog } from 'node:util';
import { BroadcastChannel, type MessagePort } from 'node:worker_threads';
import {
  type BatchTask,
  CancelBoard,
  type CancelReason,
  epochNow,
  LoadBoard,
  MessageType,
  type ProgressMessage,
  QueueFullError,
  type ResultEnvelope,
  type ResultsMessage,
  SessionClosedError,
  type WorkerBootData,
  WorkerCrashedError,
} from '@threadfetch/worker';
import { Piscina } from 'piscina';
import * as diagnostics from '../observe/diagnostics.js';
import { type Executor, type Job, JobState } from './job.js';
import { JobQueue } from './job-queue.js';
import { type ExecutorOptions, type ResolvedExecutorOptions, resolveExecutorOptions } from './options.js';
import { type ExecutorStats, Tally } from './stats.js';

const log = debuglog('threadfetch');
const workerEntry = import.meta.resolve('@threadfetch/worker/entry');
let executors = 0;

export class ThreadExecutor implements Executor {
  /** The options in force, defaults applied. */
  readonly options: ResolvedExecutorOptions;
  readonly #pool: Piscina;
  readonly #control: BroadcastChannel;
  readonly #board = new CancelBoard();
  readonly #load = new LoadBoard();
  readonly #tally = new Tally();
  /** Times each job was sent again after a crash. */
  readonly #resent = new WeakMap<Job, number>();
  readonly #jobs = new Map<number, Job>();
  readonly #queue = new JobQueue();
  #outbox: Job[] = [];
  #flushScheduled = false;
  #inflight = 0;
  #destroyed = false;

  constructor(options: ExecutorOptions = {}) {
    this.options = resolveExecutorOptions(options, availableParallelism());
    const controlChannel = `threadfetch:${process.pid}:${++executors}:${Math.random().toString(36).slice(2)}`;
    this.#control = new BroadcastChannel(controlChannel);
    this.#control.unref();
    const boot: WorkerBootData = {
      controlChannel,
      cancelBoard: this.#board.buffer,
      loadBoard: this.#load.buffer,
      agent: { connectionsPerOrigin: this.options.connectionsPerOrigin, keepAliveTimeout: this.options.keepAliveTimeout },
    };
    this.#pool = new Piscina({
      filename: workerEntry,
      minThreads: this.options.maxWorkers,
      maxThreads: this.options.maxWorkers,
      concurrentTasksPerWorker: this.options.concurrencyPerWorker,
      atomics: 'disabled',
      idleTimeout: this.options.idleTimeout,
      workerData: boot,
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
    });
    this.#pool.on('message', (message: ResultsMessage | ProgressMessage) => this.#onResults(message));
    this.#pool.on('error', (error: unknown) => log('pool error: %o', error));
    this.#pool.on('workerDestroy', (worker: { id: number }) => this.#load.release(worker.id));
  }

  /** Requests waiting on the main thread for a free slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Requests sent to workers and not yet back. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Worker threads alive now. */
  get threads(): number {
    return this.#pool.threads.length;
  }

  /** A snapshot of counts, per-worker load and latency percentiles. */
  stats(): ExecutorStats {
    const t = this.#tally;
    const workers = this.#pool.threads.map((thread) => ({ threadId: thread.threadId, inflight: this.#load.inflight(thread.threadId) ?? 0 }));
    return {
      queued: this.#queue.size,
      inflight: this.#inflight,
      completed: t.completed,
      failed: t.failed,
      cancelled: t.cancelled,
      crashRetried: t.crashRetried,
      workerCrashes: t.workerCrashes,
      workers,
      latency: t.latency(),
    };
  }

  get #capacity(): number {
    return this.options.maxWorkers * this.options.concurrencyPerWorker;
  }

  submit(job: Job): void {
    if (this.#destroyed) {
      job.finish(new SessionClosedError('the executor is shut down', { request: job.ref }));
      return;
    }
    if (this.#inflight < this.#capacity) {
      this.#send(job);
      return;
    }
    if (this.#queue.size >= this.options.maxQueue) {
      job.finish(new QueueFullError(`more than maxQueue (${this.options.maxQueue}) requests are waiting`, { request: job.ref }));
      return;
    }
    job.state = JobState.queued;
    this.#queue.push(job);
  }

  cancel(job: Job, reason: CancelReason): boolean {
    if (job.state === JobState.finished) return false;
    this.#tally.cancelled += 1;
    if (job.state === JobState.queued) {
      this.#queue.remove(job);
      job.state = JobState.finished;
      return true;
    }
    if (this.#outbox.includes(job)) {
      this.#outbox.splice(this.#outbox.indexOf(job), 1);
      this.#jobs.delete(job.spec.id);
      this.#inflight -= 1;
      job.state = JobState.finished;
      this.#pump();
      return true;
    }
    this.#board.mark(job.spec.id, reason);
    this.#control.postMessage({ type: MessageType.cancel, ids: [job.spec.id], reason });
    return true;
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const job of this.#queue.drain()) job.finish(new SessionClosedError('the executor shut down before the request was sent', { request: job.ref }));
    await this.#pool.destroy();
    this.#control.close();
  }

  #send(job: Job): void {
    job.state = JobState.inflight;
    this.#inflight += 1;
    this.#jobs.set(job.spec.id, job);
    this.#outbox.push(job);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Sends what was submitted in this synchronous run, split evenly across the workers. */
  #flush(): void {
    this.#flushScheduled = false;
    const outbox = this.#outbox;
    if (outbox.length === 0) return;
    this.#outbox = [];
    const parts = Math.min(this.options.maxWorkers, outbox.length);
    const size = Math.ceil(outbox.length / parts);
    const now = epochNow();
    for (let i = 0; i < outbox.length; i += size) {
      const batch = outbox.slice(i, i + size);
      for (const job of batch) {
        job.sentAt = now;
        diagnostics.start(job);
      }
      const task: BatchTask = { specs: batch.map((job) => job.spec) };
      this.#pool.run(task, { transferList: ports(task) }).then(
        (result: ResultsMessage | null) => {
          if (result) this.#onResults(result);
        },
        (error: unknown) => setImmediate(() => this.#onTaskFailed(batch, error)),
      );
    }
  }

  #onResults(message: ResultsMessage | ProgressMessage): void {
    if (message?.type === MessageType.progress) {
      this.#jobs.get(message.id)?.progress(message.loaded, message.total);
      return;
    }
    if (message?.type !== MessageType.results) return;
    for (const envelope of message.results) this.#complete(envelope.id, envelope);
    this.#pump();
  }

  /**
   * The worker died with these requests on it: each still unfinished fails with WorkerCrashedError,
   * or, within `crashRetries` and when safe to repeat, is sent again to a live worker.
   */
  #onTaskFailed(batch: Job[], error: unknown): void {
    const cause = error instanceof Error ? error.message : String(error);
    if (!this.#destroyed) this.#tally.workerCrashes += 1;
    for (const job of batch) {
      if (!this.#jobs.has(job.spec.id)) continue;
      if (this.#mayResend(job)) {
        log('request %d lost with its worker (%s); sending it again', job.spec.id, cause);
        this.#jobs.delete(job.spec.id);
        this.#inflight -= 1;
        this.#tally.crashRetried += 1;
        this.#send(job);
        continue;
      }
      const failure = this.#destroyed
        ? new SessionClosedError('the executor was shut down while the request was running', { cause: error, request: job.ref })
        : new WorkerCrashedError(`the worker thread running the request died: ${cause}`, { cause: error, request: job.ref });
      this.#complete(job.spec.id, failure);
    }
    this.#pump();
  }

  /** Idempotent, not cancelled, nothing that cannot be sent twice (ports), and retries left. */
  #mayResend(job: Job): boolean {
    const done = this.#resent.get(job) ?? 0;
    if (this.#destroyed || done >= this.options.crashRetries || !idempotent.has(job.spec.method)) return false;
    if (job.spec.stream || job.spec.hooks || this.#board.reasonFor(job.spec.id) !== undefined) return false;
    this.#resent.set(job, done + 1);
    return true;
  }

  #complete(id: number, result: ResultEnvelope | Error): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    this.#jobs.delete(id);
    this.#inflight -= 1;
    job.state = JobState.finished;
    if (job.sentAt > 0) this.#tally.record(epochNow() - job.sentAt);
    const failed = result instanceof Error || !result.ok;
    if (failed && this.#board.reasonFor(id) === undefined) this.#tally.failed += 1;
    else if (!failed) this.#tally.completed += 1;
    if (!(result instanceof Error)) diagnostics.workerEvents(job, result);
    job.finish(result);
  }

  /** Moves waiting jobs into free slots. */
  #pump(): void {
    while (this.#inflight < this.#capacity && this.#queue.size > 0) {
      const job = this.#queue.shift();
      if (job) this.#send(job);
    }
  }
}

/** Methods that may be sent twice (RFC 9110 9.2.2). */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** The ports a batch carries (stream and hooks channels), which must be transferred. */
function ports(task: BatchTask): MessagePort[] | undefined {
  const list: MessagePort[] = [];
  for (const spec of task.specs) {
    if (spec.stream) list.push(spec.stream);
    if (spec.hooks) list.push(spec.hooks);
  }
  return list.length > 0 ? list : undefined;
}
