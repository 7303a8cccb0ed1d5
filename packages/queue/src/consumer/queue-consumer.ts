/**
 * The worker-process side: a BullMQ Worker takes jobs from the queue and runs each request on this
 * process's own ThreadExecutor (the local pool, as a FuturesSession uses it), then pushes the result
 * to the producer's result list. A request's failure is a result, not a failed BullMQ job: BullMQ's
 * own retries never repeat a request. Only a process that dies mid-job leaves it to BullMQ, which
 * moves it back to wait once its lock expires and runs it on another process (stalled-job recovery).
 */
import { ThreadExecutor } from '@threadfetch/core';
import { AbortedError, ResultTooLargeError } from '@threadfetch/worker';
import { debugLog as log, type RequestSpec, type ResultEnvelope } from '@threadfetch/worker/protocol';
import { type Job as BullJob, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { decodeSpec, encodeResult } from '../wire/codec.js';
import { cancelChannel, cancelledKey, type JobData, resultsKey, wireVersion } from '../wire/keys.js';
import { bullConnection, connect, type ErrorSource, onErrors, within } from '../wire/redis.js';
import { jobDataProblem } from '../wire/validate.js';
import { failure, LocalJob } from './local-job.js';
import { checkConsumerOptions, type QueueConsumerOptions } from './options.js';

export type { QueueConsumerOptions } from './options.js';

/** How long close() waits for BullMQ and Redis once the active jobs are done. */
const closeLimitMs = 5_000;

export class QueueConsumer {
  readonly #options: QueueConsumerOptions;
  readonly #executor: ThreadExecutor;
  readonly #worker: Worker<JobData, number>;
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  #seq = 0;
  /** Jobs in #process: their results still need Redis. */
  #active = 0;
  /** Resolvers of close() waiting for #active to reach 0. */
  readonly #idle: (() => void)[] = [];
  #closing = false;

  constructor(options: QueueConsumerOptions) {
    checkConsumerOptions(options);
    this.#options = options;
    this.#executor = new ThreadExecutor({ maxWorkers: options.workers, concurrencyPerWorker: Math.ceil(options.concurrency / options.workers) });
    // Closing, a dropped connection reconnects only while a job still has a result to deliver; then it
    // ends, so that a process whose Redis is gone still exits (see Reconnect in wire/redis.ts).
    const reconnect = () => !this.#closing || this.#active > 0;
    this.#commands = connect(options.connection, reconnect);
    this.#subscriber = connect(options.connection, reconnect);
    this.#worker = new Worker<JobData, number>(options.queue, (job, _token, signal) => this.#process(job, signal), {
      connection: bullConnection(options.connection, reconnect),
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDuration,
      stalledInterval: options.stalledInterval,
      maxStalledCount: options.maxStalledCount,
      autorun: false,
    });
    onErrors([this.#worker, this.#commands, this.#subscriber] as ErrorSource[], (error) =>
      console.error(`threadfetch-worker: redis error: ${(error as Error)?.message ?? error}`),
    );
    this.#subscriber.on('message', (_channel: string, jobId: string) => {
      if (this.#worker.cancelJob(jobId, 'cancelled by its producer')) log('job %s cancelled', jobId);
    });
  }

  /** Subscribes to cancels and starts taking jobs; resolves once both are under way. */
  async start(): Promise<void> {
    await this.#subscriber.subscribe(cancelChannel(this.#options.prefix, this.#options.queue));
    void this.#worker.run().catch((error: unknown) => console.error(`threadfetch-worker: ${(error as Error)?.message ?? error}`));
    await this.#worker.waitUntilReady();
  }

  /** Stops taking jobs; `force` false waits for the active ones to finish (their results are delivered). */
  async close(force = false): Promise<void> {
    this.#closing = true;
    const closed = this.#worker.close(force);
    // Waits for the active jobs (unbounded: they deliver their results), then for BullMQ and Redis no
    // longer than closeLimitMs: BullMQ's close never returns when its connection dropped (ioredis
    // stays between two reconnect attempts once disconnected there), and the process must still exit.
    if (!force && this.#active > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await within(closed, closeLimitMs);
    await this.#executor.destroy();
    await within(Promise.allSettled([this.#subscriber.quit(), this.#commands.quit()]), closeLimitMs);
  }

  async #process(job: BullJob<JobData, number>, signal: AbortSignal | undefined): Promise<number> {
    this.#active += 1;
    try {
      return await this.#deliver(job, signal);
    } finally {
      this.#active -= 1;
      if (this.#active === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Runs the job's request (unless cancelled before it starts) and pushes the result to its producer's list. */
  async #deliver(job: BullJob<JobData, number>, signal: AbortSignal | undefined): Promise<number> {
    const data = job.data;
    const jobId = job.id as string;
    const { prefix, queue } = this.#options;
    // Another version's job: failing it tells its producer (QueueEvents `failed`); nothing here can read it.
    if (data?.v !== wireVersion)
      throw new Error(`job ${jobId} has wire format ${String(data?.v)}; this worker reads ${wireVersion} (run the same threadfetch version)`);
    // Whoever can write to the Redis writes job data: checked before use (see codec.ts).
    const problem = jobDataProblem(data as unknown as Record<string, unknown>);
    if (problem) throw new Error(`job ${jobId} has malformed data: ${problem}`);
    const spec = decodeSpec(data.spec);
    const cancelled = signal?.aborted || (await this.#commands.exists(cancelledKey(prefix, queue, jobId))) === 1;
    const result = cancelled
      ? failure(spec.id, new AbortedError('request cancelled', { request: { method: spec.method, url: spec.url } }))
      : await this.#run(spec, signal);
    let bytes = encodeResult({ job: jobId, result });
    if (bytes.length > data.maxResultBytes) {
      const error = new ResultTooLargeError(`the result is ${bytes.length} bytes encoded, more than maxResultBytes (${data.maxResultBytes})`, {
        request: { method: spec.method, url: spec.url },
      });
      bytes = encodeResult({ job: jobId, result: failure(spec.id, error) });
    }
    const key = resultsKey(prefix, queue, data.producer);
    await this.#commands.multi().rpush(key, bytes).pexpire(key, data.resultTtl).exec();
    return 0;
  }

  /** Runs the request (or session.run) on the local pool, with this machine's callbacks module; the job's abort signal cancels it there. */
  #run(remote: RequestSpec, signal: AbortSignal | undefined): Promise<ResultEnvelope> {
    this.#seq += 1;
    const callbacks = remote.background === undefined && remote.run === undefined ? undefined : this.#options.callbacks;
    const local = new LocalJob({ ...remote, id: this.#seq, callbacks });
    const onAbort = () => {
      this.#executor.cancel(local, 'cancel');
      local.settle(failure(remote.id, new AbortedError('request cancelled', { request: local.ref })));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#executor.submit(local);
    // Aborted while the cancel marker was being read: the listener came too late to hear it.
    if (signal?.aborted) onAbort();
    return local.result.then((envelope) => {
      signal?.removeEventListener('abort', onAbort);
      return envelope;
    });
  }
}
