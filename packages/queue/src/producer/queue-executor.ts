/**
 * The distributed executor: each request's spec goes on a BullMQ queue in Redis, a `threadfetch-worker`
 * process on any machine runs it on its own thread pool, and the result comes back on this producer's
 * own result list, where the future settles. See README "Beyond one machine".
 *
 * Why a result list and not QueueEvents' `completed` event: the events stream is capped (BullMQ trims
 * it to about 10,000 events), every producer reads every job's events, and a return value there would
 * carry every body to every producer. A list per producer keeps each result, in Redis, until this
 * producer has read it (see result-reader.ts), even across a reconnect. QueueEvents is still read for what only BullMQ knows:
 * a job that became active (stats), stalled (its worker process died; BullMQ runs it again) or failed
 * for stalling too often (the future fails with TF_ERR_WORKER_CRASHED).
 */
import { randomUUID } from 'node:crypto';
import { deserialize } from 'node:v8';
import { type Executor, type ExecutorStats, type Job, Tally } from '@threadfetch/core';
import { NetworkError, NotSupportedError, QueueDataLostError, SessionClosedError, WorkerCrashedError } from '@threadfetch/worker';
import { type CancelReason, epochNow, debugLog as log } from '@threadfetch/worker/protocol';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { decodeResult, encodeSpec } from '../wire/codec.js';
import { cancelChannel, cancelledKey, cancelMarkerTtlMs, type JobData, jobName, processingKey, producerKey, resultsKey, wireVersion } from '../wire/keys.js';
import { bullConnection, connect, type ErrorSource, onErrors, within } from '../wire/redis.js';
import type { QueueResultMessage } from '../wire/result-message.js';
import { DataLossWatch } from './data-loss.js';
import { type QueueExecutorOptions, type ResolvedQueueExecutorOptions, resolveQueueExecutorOptions } from './options.js';
import { Reconciler } from './reconcile.js';
import { unsupportedOption } from './refuse.js';
import { ResultReader } from './result-reader.js';

/** How long destroy() waits for Redis to remove or abort the jobs still pending. */
const destroyLimitMs = 5_000;

/** Methods that may be sent twice (RFC 9110 9.2.2): enqueued again when Redis lost their jobs. */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Job states as the local executor's, without importing its values (core's JobState). */
const inflight = 1;
const finished = 2;

/** One request of this producer, from submit until its result, failure or cancel. */
interface Entry {
  readonly job: Job;
  readonly id: string;
  /** ms epoch of submit. */
  readonly since: number;
  /** queue.add done (or failed); a cancel waits for it. */
  added: Promise<void>;
  /** queue.add succeeded. */
  inQueue: boolean;
  /** Found nowhere in Redis at the last reconciliation. */
  missing: boolean;
  /** A worker process has taken it (QueueEvents `active`). */
  active: boolean;
  cancelled: boolean;
}

export class QueueExecutor implements Executor {
  /** The options in force, defaults applied. */
  readonly options: ResolvedQueueExecutorOptions;
  /** This producer's id: names its result list and prefixes its job ids. */
  readonly producerId = randomUUID();
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  /** Non-blocking commands: cancel markers and messages. */
  readonly #commands: Redis;
  /** Blocks on the result list. */
  readonly #results: Redis;
  readonly #entries = new Map<string, Entry>();
  readonly #byJob = new WeakMap<Job, Entry>();
  readonly #tally = new Tally();
  readonly #chores = new Set<Promise<unknown>>();
  readonly #eventsReady: Promise<unknown>;
  readonly #reading: Promise<void>;
  readonly #reconciler: Reconciler;
  readonly #dataLoss: DataLossWatch;
  #seq = 0;
  /** Results read for a job no longer pending (cancelled, failed, or read twice): dropped. */
  #dropped = 0;
  #destroyed = false;
  #destroying: Promise<void> | undefined;

  constructor(options: QueueExecutorOptions) {
    this.options = resolveQueueExecutorOptions(options);
    const { connection, queue, prefix } = this.options;
    // Once destroyed, a dropped connection ends instead of reconnecting (see Reconnect in wire/redis.ts).
    const reconnect = () => !this.#destroyed;
    this.#queue = new Queue(queue, { connection: bullConnection(connection, reconnect), prefix });
    this.#events = new QueueEvents(queue, { connection: bullConnection(connection, reconnect), prefix });
    this.#commands = connect(connection, reconnect);
    this.#results = connect(connection, reconnect, `tf-results:${this.producerId}`);
    onErrors([this.#queue, this.#events, this.#commands, this.#results] as ErrorSource[], (error) => log('queue executor %s: redis error: %o', queue, error));
    this.#events.on('active', ({ jobId }) => {
      const entry = this.#entries.get(jobId);
      if (entry) entry.active = true;
    });
    this.#events.on('stalled', ({ jobId }) => {
      const entry = this.#entries.get(jobId);
      if (!entry) return;
      entry.active = false;
      this.#tally.crashRetried += 1;
      this.#tally.workerCrashes += 1;
      log('job %s stalled: its worker process stopped; BullMQ runs it again', jobId);
    });
    this.#events.on('failed', ({ jobId, failedReason }) => {
      const entry = this.#entries.get(jobId);
      if (!entry) return;
      this.#tally.workerCrashes += 1;
      this.#fail(entry, new WorkerCrashedError(`the queue job failed: ${failedReason}`, { request: entry.job.ref }));
    });
    // Events are read from when QueueEvents connects: jobs are added once it reads.
    this.#eventsReady = this.#events.waitUntilReady().catch((error: unknown) => log('queue events not ready: %o', error));
    const reader = new ResultReader({
      redis: this.#results,
      results: resultsKey(prefix, queue, this.producerId),
      processing: processingKey(prefix, queue, this.producerId),
      ttlMs: this.options.resultTtl,
      blockMs: this.options.readTimeout,
      done: () => this.#destroyed,
      onBatch: (batch) => this.#onEach(batch),
    });
    this.#reading = reader.run();
    this.#dataLoss = new DataLossWatch(this.#commands, producerKey(prefix, queue, this.producerId), () => this.#recover());
    this.#reconciler = new Reconciler({
      queue: this.#queue,
      intervalMs: this.options.reconcileInterval,
      pending: () => this.#entries.values(),
      fail: (id, reason) => this.#reconciled(id, reason),
    });
  }

  /** Counts as seen from this producer; `workers` is empty (worker processes report nothing here). */
  stats(): ExecutorStats {
    let active = 0;
    for (const entry of this.#entries.values()) if (entry.active) active += 1;
    const t = this.#tally;
    return {
      queued: this.#entries.size - active,
      inflight: active,
      completed: t.completed,
      failed: t.failed,
      cancelled: t.cancelled,
      timedOut: t.timedOut,
      crashRetried: t.crashRetried,
      workerCrashes: t.workerCrashes,
      workersTerminated: t.workersTerminated,
      workers: [],
      latency: t.latency.percentiles(),
    };
  }

  submit(job: Job): void {
    if (this.#destroyed) {
      this.#refuse(job, new SessionClosedError('the executor is shut down', { request: job.ref }));
      return;
    }
    const what = unsupportedOption(job.spec, this.options.allowSaveTo);
    if (what) {
      this.#refuse(job, new NotSupportedError(`the queue executor cannot carry ${what}`, { request: job.ref }));
      return;
    }
    this.#seq += 1;
    const entry: Entry = {
      job,
      id: `${this.producerId}-${this.#seq}`,
      since: Date.now(),
      added: Promise.resolve(),
      inQueue: false,
      missing: false,
      active: false,
      cancelled: false,
    };
    this.#entries.set(entry.id, entry);
    this.#byJob.set(job, entry);
    job.state = inflight;
    job.sentAt = epochNow();
    entry.added = this.#add(entry);
  }

  cancel(job: Job, reason: CancelReason): boolean {
    const entry = this.#byJob.get(job);
    if (!entry || job.state === finished || entry.cancelled) return false;
    entry.cancelled = true;
    this.#entries.delete(entry.id);
    job.state = finished;
    if (reason === 'timeout') this.#tally.timedOut += 1;
    else this.#tally.cancelled += 1;
    this.#chore(this.#cancelRemote(entry));
    return true;
  }

  /**
   * Fails what is still pending (SessionClosedError), removes it from the queue or aborts it where it
   * runs, and closes the connections. Bounded: a Redis that is gone leaves those jobs to run, and the
   * connections end instead of reconnecting, so the process can exit. Every call returns the same promise.
   */
  destroy(): Promise<void> {
    this.#destroying ??= this.#shutDown();
    return this.#destroying;
  }

  async #shutDown(): Promise<void> {
    this.#destroyed = true;
    this.#reconciler.stop();
    this.#chore(this.#dataLoss.stop().catch((error: unknown) => log('could not remove the producer key: %o', error)));
    for (const entry of [...this.#entries.values()]) {
      this.#fail(entry, new SessionClosedError('the executor was shut down before the request was completed', { request: entry.job.ref }));
      this.#chore(this.#cancelRemote(entry));
    }
    await within(Promise.allSettled([...this.#chores]), destroyLimitMs);
    // A pop (or command) waiting on a connection between two reconnect attempts never settles after
    // disconnect(): the read loop is left behind, not awaited past the limit.
    this.#results.disconnect();
    this.#commands.disconnect();
    await within(Promise.allSettled([this.#reading, this.#events.close(), this.#queue.close()]), destroyLimitMs);
  }

  async #add(entry: Entry): Promise<void> {
    const { job } = entry;
    try {
      const spec = await encodeSpec(job.spec);
      await this.#eventsReady;
      if (entry.cancelled || this.#destroyed) return;
      const data: JobData = {
        v: wireVersion,
        producer: this.producerId,
        spec,
        maxResultBytes: this.options.maxResultBytes,
        resultTtl: this.options.resultTtl,
      };
      await this.#queue.add(jobName, data, { jobId: entry.id, removeOnComplete: true, removeOnFail: { count: this.options.keepFailedJobs } });
      entry.inQueue = true;
    } catch (error) {
      if (entry.cancelled) return;
      const message = (error as Error)?.message ?? String(error);
      this.#fail(entry, new NetworkError(`could not put the request on queue ${this.options.queue}: ${message}`, { cause: error, request: job.ref }));
    }
  }

  /** Waiting: removed, it never runs. Taken by a worker process: a marker (read before a job starts) and a message to abort it. */
  async #cancelRemote(entry: Entry): Promise<void> {
    await entry.added;
    const { prefix, queue } = this.options;
    try {
      if ((await this.#queue.remove(entry.id)) === 1) return;
      await this.#commands
        .multi()
        .set(cancelledKey(prefix, queue, entry.id), '1', 'PX', cancelMarkerTtlMs)
        .publish(cancelChannel(prefix, queue), entry.id)
        .exec();
    } catch (error) {
      log('could not cancel job %s: %o', entry.id, error);
    }
  }

  /** Each result popped, in order: one that throws (a settle callback) never loses the others of its batch. */
  #onEach(batch: readonly Buffer[]): void {
    for (const bytes of batch) {
      try {
        this.#onResult(bytes);
      } catch (error) {
        log('handling a result failed: %o', error);
      }
    }
  }

  #onResult(bytes: Buffer): void {
    let message: QueueResultMessage;
    try {
      message = decodeResult(bytes);
    } catch (error) {
      this.#onMalformed(bytes, error);
      return;
    }
    const entry = this.#entries.get(message.job);
    // Cancelled, failed already, read twice (see ResultReader), or a second run of a job that stalled: its future has settled.
    if (!entry) {
      this.#dropped += 1;
      log('a result for job %s was dropped: not pending (%d dropped so far)', message.job, this.#dropped);
      return;
    }
    this.#entries.delete(entry.id);
    const { job } = entry;
    job.state = finished;
    this.#tally.latency.record(epochNow() - job.sentAt);
    if (message.result.ok) this.#tally.completed += 1;
    else this.#tally.failed += 1;
    job.finish({ ...message.result, id: job.spec.id });
  }

  /** Bytes in our result list that are not a result message: dropped; a pending job they name fails (it would wait forever). */
  #onMalformed(bytes: Buffer, error: unknown): void {
    log('a malformed result (%d bytes) was dropped: %o', bytes.length, error);
    let named: unknown;
    try {
      named = (deserialize(bytes) as { job?: unknown } | null)?.job;
    } catch {
      return;
    }
    const entry = typeof named === 'string' ? this.#entries.get(named) : undefined;
    if (!entry) return;
    const reason = (error as Error)?.message ?? String(error);
    this.#fail(entry, new WorkerCrashedError(`the result read from Redis is malformed (${reason})`, { cause: error, request: entry.job.ref }));
  }

  /**
   * Redis came back without its data: the jobs of this producer that were in it are gone. Those safe to
   * repeat are enqueued again (one a worker process was running may then run twice: its first result
   * settles the future, the second is dropped); the others fail at once with TF_ERR_QUEUE_DATA_LOST,
   * as they may or may not have run. Jobs still being added go to the Redis that is there now.
   */
  #recover(): void {
    let again = 0;
    let lost = 0;
    for (const entry of [...this.#entries.values()]) {
      if (!entry.inQueue) continue;
      if (idempotent.has(entry.job.spec.method)) {
        entry.inQueue = false;
        entry.active = false;
        entry.missing = false;
        entry.added = this.#add(entry);
        again += 1;
      } else {
        const { method } = entry.job.spec;
        lost += 1;
        this.#fail(
          entry,
          new QueueDataLostError(`Redis came back without its data and lost the queue job; ${method} is not safe to repeat, and it may or may not have run`, {
            request: entry.job.ref,
          }),
        );
      }
    }
    log('redis lost its data: %d job(s) enqueued again, %d failed (not safe to repeat)', again, lost);
  }

  /** The reconciler found a pending job failed in BullMQ (`reason`) or gone (undefined). */
  #reconciled(id: string, reason: string | undefined): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const message = reason === undefined ? 'the queue job is gone from Redis without a result' : `the queue job failed: ${reason}`;
    if (reason !== undefined) this.#tally.workerCrashes += 1;
    this.#fail(entry, new WorkerCrashedError(message, { request: entry.job.ref }));
  }

  #fail(entry: Entry, error: Error): void {
    if (this.#entries.get(entry.id) !== entry) return;
    this.#entries.delete(entry.id);
    entry.job.state = finished;
    this.#tally.failed += 1;
    entry.job.finish(error);
  }

  #refuse(job: Job, error: Error): void {
    job.state = finished;
    this.#tally.failed += 1;
    job.finish(error);
  }

  #chore(promise: Promise<unknown>): void {
    this.#chores.add(promise);
    void promise.finally(() => this.#chores.delete(promise));
  }
}
