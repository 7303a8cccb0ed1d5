/**
 * The local executor. Piscina starts the worker threads, applies their resource limits and replaces
 * the ones that die; the requests go over each worker's own lane (see protocol/messages.ts), so a
 * request costs no Piscina task. Requests made in one synchronous run leave as one batch per worker,
 * results come back coalesced, and a cancel goes to the worker running the request, never killing it.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { InvalidArgumentError, QueueFullError, SessionClosedError, WorkerCrashedError, WorkerStuckError } from '@threadfetch/worker';
import {
  type CancelReason,
  epochNow,
  type HelloMessage,
  debugLog as log,
  MessageType,
  type ProgressMessage,
  type ResultsMessage,
  redactUrl,
  type WorkerBootData,
} from '@threadfetch/worker/protocol';
import { Piscina } from 'piscina';
import * as diagnostics from '../observe/diagnostics.js';
import { type Executor, type Job, JobState } from './job.js';
import { JobQueue } from './job-queue.js';
import { Lane, type LaneRole } from './lane.js';
import { type ExecutorOptions, type ResolvedExecutorOptions, resolveExecutorOptions } from './options.js';
import { OriginGate } from './origin-gate.js';
import { place, type Slot, slotsOf } from './placement.js';
import { type ExecutorStats, Tally } from './stats.js';

const workerEntry = import.meta.resolve('@threadfetch/worker/entry');

/**
 * How long close waits for the workers to hand over what they wrote to stdout and stderr before the
 * pool ends them: a worker busy in a synchronous callback cannot answer, and is not waited for longer.
 */
const drainLimitMs = 1_000;

/** How long close waits for workers still starting (loading their entry module) before ending them. */
const startLimitMs = 10_000;

/** Methods that may be sent twice (RFC 9110 9.2.2). */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export class ThreadExecutor implements Executor {
  /** The options in force, defaults applied. */
  readonly options: ResolvedExecutorOptions;
  readonly #pool: Piscina;
  readonly #lanes = new Map<number, Lane>();
  readonly #queue = new JobQueue();
  readonly #tally = new Tally();
  /** Ids of in-flight jobs cancelled and not yet back: never sent again after a crash. */
  readonly #cancelled = new Set<number>();
  /** Times each job was sent again after a crash. */
  readonly #resent = new WeakMap<Job, number>();
  #outbox: Job[] = [];
  #flushScheduled = false;
  /** Jobs in the outbox or on a lane. */
  #inflight = 0;
  #destroyed = false;
  /** The pool-wide per-origin limit, when `poolConnectionsPerOrigin` is set. */
  readonly #origins: OriginGate | undefined;

  constructor(options: ExecutorOptions = {}) {
    this.options = resolveExecutorOptions(options, availableParallelism());
    const perOrigin = this.options.poolConnectionsPerOrigin;
    this.#origins = perOrigin === undefined ? undefined : new OriginGate(perOrigin);
    const boot: WorkerBootData = {
      agent: { connectionsPerOrigin: this.options.connectionsPerOrigin, keepAliveTimeout: this.options.keepAliveTimeout },
    };
    this.#pool = new Piscina({
      filename: workerEntry,
      minThreads: this.options.maxWorkers + this.options.ioWorkers,
      maxThreads: this.options.maxWorkers + this.options.ioWorkers,
      atomics: 'disabled',
      workerData: boot,
      niceIncrement: this.options.niceIncrement,
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
    });
    this.#pool.on('message', (message: HelloMessage) => {
      if (message?.type === MessageType.hello) this.#open(message);
    });
    this.#pool.on('error', (error: unknown) => log('pool error: %o', error));
  }

  /** Requests waiting on the main thread for a free slot (or for their origin's, under poolConnectionsPerOrigin). */
  get queued(): number {
    return this.#queue.size + (this.#origins?.waiting ?? 0);
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
    const now = Date.now();
    return {
      queued: this.#queue.size + (this.#origins?.waiting ?? 0),
      inflight: this.#inflight,
      completed: t.completed,
      failed: t.failed,
      cancelled: t.cancelled,
      timedOut: t.timedOut,
      crashRetried: t.crashRetried,
      workerCrashes: t.workerCrashes,
      workersTerminated: t.workersTerminated,
      workers: [...this.#lanes.values()].map((lane) => {
        const since = lane.heartbeat.callbackSince;
        return {
          threadId: lane.threadId,
          role: lane.role,
          inflight: lane.jobs.size,
          unresponsiveMs: lane.heartbeat.unresponsiveMs(now),
          oldestMs: lane.oldestMs(now),
          callbackMs: since === 0 ? 0 : Math.max(0, Math.round(now - since)),
        };
      }),
      latency: t.latency.percentiles(),
    };
  }

  get #capacity(): number {
    return (this.options.maxWorkers + this.options.ioWorkers) * this.options.concurrencyPerWorker;
  }

  submit(job: Job): void {
    if (this.#destroyed) {
      this.#fail(job, new SessionClosedError('the executor is shut down', { request: job.ref }));
      return;
    }
    if (this.#origins && !this.#origins.admit(job)) {
      job.state = JobState.queued;
      // Waiting for its origin counts against maxQueue as waiting for a slot does.
      if (this.#queue.size + this.#origins.waiting > this.options.maxQueue) {
        this.#origins.withdraw(job);
        this.#fail(job, new QueueFullError(`more than maxQueue (${this.options.maxQueue}) requests are waiting`, { request: job.ref }));
      }
      return;
    }
    this.#enqueue(job);
  }

  /** Sends the job, or queues it for a free slot; past maxQueue it fails. */
  #enqueue(job: Job): void {
    if (this.#inflight < this.#capacity) {
      this.#send(job);
      return;
    }
    if (this.#queue.size >= this.options.maxQueue) {
      this.#fail(job, new QueueFullError(`more than maxQueue (${this.options.maxQueue}) requests are waiting`, { request: job.ref }));
      return;
    }
    job.state = JobState.queued;
    this.#queue.push(job);
  }

  cancel(job: Job, reason: CancelReason): boolean {
    if (job.state === JobState.finished) return false;
    if (reason === 'timeout') this.#tally.timedOut += 1;
    else this.#tally.cancelled += 1;
    if (job.state === JobState.queued) {
      if (!this.#origins?.withdraw(job)) this.#queue.remove(job);
      job.state = JobState.finished;
      this.#releaseOrigin(job);
      return true;
    }
    const waiting = this.#outbox.indexOf(job);
    if (waiting >= 0) {
      this.#outbox.splice(waiting, 1);
      this.#inflight -= 1;
      job.state = JobState.finished;
      this.#releaseOrigin(job);
      this.#pump();
      return true;
    }
    // On a lane: the cancel follows the batch on the same port; the job finishes when its result is
    // back, which a worker whose event loop is blocked never sends: watched, see #release.
    this.#cancelled.add(job.spec.id);
    for (const lane of this.#lanes.values()) {
      if (lane.jobs.get(job.spec.id) !== job) continue;
      lane.cancel(job.spec.id, reason);
      this.#watch(lane, job, reason);
    }
    return true;
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const unsent = [...(this.#origins?.drain() ?? []), ...this.#queue.drain(), ...this.#outbox.splice(0)];
    for (const job of unsent) this.#fail(job, new SessionClosedError('the executor shut down before the request was sent', { request: job.ref }));
    // A worker terminated while it is still loading its entry module can abort the whole process (a
    // V8 fatal error in Node's module loader): let every worker finish starting first, within reason.
    await this.#started(startLimitMs);
    // Lines the workers logged are still on their way to the main thread: let them arrive first.
    await Promise.all([...this.#lanes.values()].map((lane) => lane.drain(drainLimitMs)));
    await this.#started(startLimitMs);
    await this.#pool.destroy();
    for (const lane of [...this.#lanes.values()]) this.#onExit(lane);
  }

  /** Resolves once every thread of the pool has said hello (or exited), or after `ms`. */
  async #started(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#pool.threads.some((worker) => !this.#lanes.has(worker.threadId)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Gives the worker `terminateGrace` ms to let go of a job that timed out or was cancelled. A worker
   * that still holds it then is terminated when its event loop is blocked: it has been inside one
   * callback's synchronous part for at least the grace, or (a callback blocking it after an await) it
   * has not stamped its heartbeat for at least the grace and a second. A worker that is only slow (a
   * busy machine can hold a thread off the CPU for a while) is given more time, checked every grace,
   * up to ten in all: one that still holds the job then has lost it, and is terminated too.
   */
  #watch(lane: Lane, job: Job, reason: CancelReason): void {
    const cancelledAt = Date.now();
    const grace = this.options.terminateGrace;
    const check = (round: number) => {
      if (this.#destroyed || lane.stuck !== undefined || lane.jobs.get(job.spec.id) !== job || this.#lanes.get(lane.threadId) !== lane) return;
      const now = Date.now();
      const since = lane.heartbeat.callbackSince;
      const blocked = (since !== 0 && now - since >= grace) || now - lane.heartbeat.lastBeat >= grace + 1_000;
      if (!blocked && round < 10) {
        setTimeout(check, grace, round + 1).unref();
        return;
      }
      this.#terminate(lane, job, reason, now - cancelledAt);
    };
    setTimeout(check, grace, 1).unref();
  }

  /**
   * Ends a worker that keeps a job past its deadline or cancel; its lane's exit fails or resends the
   * rest. The request whose callback is blocking the worker (from its heartbeat), when another than
   * `job`, is named too, and never sent again: it would block the next worker the same way.
   */
  #terminate(lane: Lane, job: Job, reason: CancelReason, heldMs: number): void {
    const end = reason === 'timeout' ? 'deadline' : reason === 'close' ? 'abort by close()' : 'cancel';
    const culprit = lane.heartbeat.callbackSince === 0 ? undefined : lane.jobs.get(lane.heartbeat.callbackJob);
    lane.stuck = `${describe(job)} was not let go ${Math.round(heldMs)} ms after its ${end}`;
    if (culprit && culprit !== job) {
      lane.stuck += `: the worker was blocked by ${describe(culprit)}`;
      this.#resent.set(culprit, Number.POSITIVE_INFINITY);
    }
    lane.cause = `the worker was terminated: ${lane.stuck}`;
    this.#tally.workersTerminated += 1;
    log('worker %d terminated: %s; %d other request(s) on it', lane.threadId, lane.stuck, lane.jobs.size - 1);
    diagnostics.workerTerminated(this, lane.threadId, job, reason, heldMs, lane.jobs.size - 1);
    if (lane.worker) void lane.worker.terminate();
    else log('worker %d: no thread to terminate', lane.threadId);
  }

  /** A worker said hello: its lane opens, and the jobs waiting for a worker can go. */
  #open({ threadId, port, heartbeat }: HelloMessage): void {
    const worker: Worker | undefined = this.#pool.threads.find((w) => w.threadId === threadId);
    const lane: Lane = new Lane(threadId, port, worker, this.#roleForNewLane(), heartbeat, (message) => this.#onMessage(lane, message));
    worker?.once('error', (error) => {
      lane.cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    });
    worker?.once('exit', (code) => {
      lane.cause ??= `the worker exited with code ${code}`;
      this.#onExit(lane);
    });
    this.#lanes.set(threadId, lane);
    log('worker %d ready', threadId);
    diagnostics.workerStarted(this, threadId);
    if (this.#outbox.length > 0) this.#flush();
  }

  /** `io` until there are `ioWorkers` of them (a replacement takes the role of the worker it replaces). */
  #roleForNewLane(): LaneRole {
    let io = 0;
    for (const lane of this.#lanes.values()) if (lane.role === 'io') io += 1;
    return io < this.options.ioWorkers ? 'io' : 'callback';
  }

  #send(job: Job): void {
    job.state = JobState.inflight;
    this.#inflight += 1;
    this.#outbox.push(job);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /**
   * Sends what was submitted in this synchronous run, one batch per lane, each job where placement.ts
   * says. What cannot go yet (every lane it may use is full, workers still starting, or one just
   * replaced) stays in the outbox, in order, until a lane has room.
   */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#outbox.length === 0 || this.#lanes.size === 0) return;
    const slots = slotsOf(this.#lanes.values());
    if (slots.length === 0) return;
    const batches = new Map<Slot, Job[]>();
    const limit = this.options.concurrencyPerWorker;
    const now = epochNow();
    const waiting: Job[] = [];
    for (const job of this.#outbox) {
      const slot = place(job, slots, limit, this.#origins?.threadFor(job));
      if (slot === undefined) {
        waiting.push(job);
        continue;
      }
      this.#origins?.placed(job, slot.lane.threadId);
      const batch = batches.get(slot);
      if (batch) batch.push(job);
      else batches.set(slot, [job]);
      job.sentAt = now;
      diagnostics.start(job);
    }
    this.#outbox = waiting;
    for (const [slot, batch] of batches) this.#post(slot.lane, batch);
  }

  /**
   * Posts a batch; when it cannot be cloned (a value in some spec that structured clone refuses),
   * each job goes alone, and the ones that cannot fail with TF_ERR_INVALID_ARGUMENT saying why.
   */
  #post(lane: Lane, batch: Job[]): void {
    try {
      lane.send(batch);
      return;
    } catch {
      // One of them: find which.
    }
    for (const job of batch) {
      try {
        lane.send([job]);
      } catch (error) {
        const reason = (error as Error)?.message ?? String(error);
        this.#fail(job, new InvalidArgumentError(`the request cannot be handed to a worker thread (${reason})`, { request: job.ref }));
      }
    }
  }

  #onMessage(lane: Lane, message: ResultsMessage | ProgressMessage): void {
    if (message.type === MessageType.progress) {
      lane.jobs.get(message.id)?.progress(message.loaded, message.total);
      return;
    }
    const now = epochNow();
    for (const envelope of message.results) {
      const job = lane.take(envelope.id);
      if (!job) continue;
      this.#inflight -= 1;
      job.state = JobState.finished;
      this.#tally.latency.record(now - job.sentAt);
      // A cancelled job was counted, and its future settled, when it was cancelled: a result that
      // raced the cancel (even a response) is neither counted again nor reported.
      if (!this.#cancelled.delete(envelope.id)) {
        if (envelope.ok) this.#tally.completed += 1;
        else this.#tally.failed += 1;
        diagnostics.workerEvents(job, envelope);
      }
      job.finish(envelope);
      this.#releaseOrigin(job);
    }
    this.#pump();
  }

  /**
   * A worker is gone (it has exited). Its jobs fail with WorkerCrashedError naming the cause, or,
   * within `crashRetries` and when safe to repeat, go to a live worker (Piscina starts a
   * replacement). Either way the temporary files of their saveTo downloads are removed first.
   */
  #onExit(lane: Lane): void {
    if (this.#lanes.get(lane.threadId) !== lane) return;
    this.#lanes.delete(lane.threadId);
    lane.close();
    this.#origins?.forget(lane.threadId);
    const jobs = [...lane.jobs.values()];
    lane.jobs.clear();
    for (const job of jobs) removePartial(job);
    diagnostics.workerExited(this, lane.threadId, lane.cause, !this.#destroyed && lane.stuck === undefined, jobs.length);
    if (this.#destroyed) {
      for (const job of jobs) this.#fail(job, new SessionClosedError('the executor was shut down while the request was running', { request: job.ref }));
      return;
    }
    const stuck = lane.stuck;
    if (stuck === undefined) this.#tally.workerCrashes += 1;
    log('worker %d %s: %s; %d request(s) on it', lane.threadId, stuck === undefined ? 'died' : 'exited', lane.cause, jobs.length);
    for (const job of jobs) {
      // Bystanders of a terminated worker did nothing wrong: those safe to repeat go again even
      // with crashRetries 0 (once), the stuck request itself never (it is cancelled).
      if (this.#mayResend(job, stuck === undefined ? 0 : 1)) {
        this.#inflight -= 1;
        this.#tally.crashRetried += 1;
        this.#send(job);
      } else if (stuck !== undefined && !this.#cancelled.has(job.spec.id)) {
        this.#fail(job, new WorkerStuckError(`the worker thread running the request was terminated: ${stuck}`, { request: job.ref }));
      } else this.#fail(job, new WorkerCrashedError(`the worker thread running the request died: ${lane.cause}`, { request: job.ref }));
    }
    this.#pump();
  }

  /**
   * Idempotent, not cancelled, nothing that cannot be sent twice (ports, a streamed body), and retries
   * left: `crashRetries`, or `atLeast` when more.
   */
  #mayResend(job: Job, atLeast: number): boolean {
    const done = this.#resent.get(job) ?? 0;
    if (done >= Math.max(this.options.crashRetries, atLeast) || !idempotent.has(job.spec.method)) return false;
    if (job.spec.stream || job.spec.hooks || job.spec.cookies || job.spec.body instanceof ReadableStream || this.#cancelled.has(job.spec.id)) return false;
    this.#resent.set(job, done + 1);
    return true;
  }

  /**
   * Finishes a job with an error raised on the main thread: in flight (outbox or lane), or refused at
   * submit (queue full, executor shut down). Counted failed unless it was cancelled first.
   */
  #fail(job: Job, error: Error): void {
    if (job.state === JobState.inflight) this.#inflight -= 1;
    job.state = JobState.finished;
    if (!this.#cancelled.delete(job.spec.id)) this.#tally.failed += 1;
    job.finish(error);
    this.#releaseOrigin(job);
  }

  /** A job is over: its origin slot, if it held one, goes to the next request waiting for it. */
  #releaseOrigin(job: Job): void {
    const next = this.#origins?.release(job);
    if (next) this.#enqueue(next);
  }

  /** Moves waiting jobs into free slots, and sends what waits in the outbox where lanes have room. */
  #pump(): void {
    while (this.#inflight < this.#capacity && this.#queue.size > 0) {
      const job = this.#queue.shift();
      if (job) this.#send(job);
    }
    if (this.#outbox.length > 0 && !this.#flushScheduled) this.#flush();
  }
}

/**
 * Removes the temporary file of a saveTo download whose worker is gone. Only once the worker has
 * exited, so that no late write can create it again; synchronous, so that a resent request (which
 * creates it exclusively) finds the name free. A rare path: one unlink per such download.
 */
function removePartial(job: Job): void {
  const partial = job.spec.saveTo?.partial;
  if (partial === undefined) return;
  try {
    rmSync(partial, { force: true });
  } catch (error) {
    log('could not remove %s: %o', partial, error);
  }
}

/** A job as errors and logs name it: method, URL (credentials redacted) and callback. */
function describe(job: Job): string {
  const callback = job.spec.background === undefined ? '' : ` (callback "${job.spec.background}")`;
  return `${job.spec.method} ${redactUrl(job.spec.url)}${callback}`;
}
