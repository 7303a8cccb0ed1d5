/** Options of the local executor (the worker pool), their defaults and their validation. */

import type { ResourceLimits } from 'node:worker_threads';
import { InvalidArgumentError } from '@threadfetch/worker';

/** Options of {@link ThreadExecutor}; a session passes its own `maxWorkers` and the like through. */
export interface ExecutorOptions {
  /** Worker threads that run requests and their callbacks (plus `ioWorkers`). @default os.availableParallelism() */
  readonly maxWorkers?: number;
  /**
   * Worker threads, beyond `maxWorkers`, that take only requests without a `background` callback, so
   * that their responses are read at once while the other workers run callbacks (a callback blocks
   * its worker's event loop: nothing else on that worker is read meanwhile). When the callback
   * workers have no callback work, requests without one go to them too. 0 puts every request on the
   * `maxWorkers`, as one pool. @default 1 when `maxWorkers` is 2 or more, else 0
   */
  readonly ioWorkers?: number;
  /** Requests in flight per worker; more wait in the main-thread queue. @default 64 */
  readonly concurrencyPerWorker?: number;
  /** Requests that may wait in the queue beyond those in flight; past it a request fails at once with TF_ERR_QUEUE_FULL (counted in `stats().failed`). @default Infinity */
  readonly maxQueue?: number;
  /**
   * Added to each worker thread's nice value (0 to 19; Linux and macOS), so that the main thread wins
   * the CPU against busy workers and its event loop stays responsive: with CPU-heavy callbacks on 2
   * cores, the main thread's event-loop delay p99 went from 4.8 ms at 0 to 2.5 ms at 10, at the same
   * throughput. 0 keeps the workers at the main thread's priority. @default 10
   */
  readonly niceIncrement?: number;
  /** Connections per origin in each worker's undici Agent: N workers may open N times as many. @default undefined (unlimited, undici's default) */
  readonly connectionsPerOrigin?: number;
  /**
   * Connections per origin for the whole pool, all workers together (geventhttpclient's `concurrency`):
   * requests to an origin beyond it wait on the main thread (counted against `maxQueue`). Counted by the request's origin (not its
   * redirect hops, nor `ctx.request` follow-ups), per session transport settings. @default undefined (no pool-wide limit)
   */
  readonly poolConnectionsPerOrigin?: number;
  /** Milliseconds an idle keep-alive socket stays open in a worker. @default 4000 */
  readonly keepAliveTimeout?: number;
  /**
   * Memory limits of each worker thread (Node's `resourceLimits`): a callback that runs past them
   * kills only its worker, failing that worker's requests with TF_ERR_WORKER_CRASHED.
   * @default undefined (Node's defaults)
   */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Times (0 to 10) a request lost to a worker crash is sent again on a live worker. Only idempotent methods
   * (GET, HEAD, OPTIONS, PUT, DELETE, TRACE), never a cancelled request or one with hooks or a stream.
   * Mind that the request that crashed its worker is sent again too. @default 0
   */
  readonly crashRetries?: number;
  /**
   * Milliseconds a worker has to let go of a request after its deadline passed or it was cancelled.
   * A worker still holding it then, whose event loop has not turned since (a callback blocking it),
   * is terminated and replaced; the other requests on it are sent again where `crashRetries` allows,
   * or fail with TF_ERR_WORKER_STUCK. A callback that is merely slow is never terminated: only one
   * that keeps running past its request's end. @default 1000
   */
  readonly terminateGrace?: number;
}

export interface ResolvedExecutorOptions {
  readonly maxWorkers: number;
  readonly ioWorkers: number;
  readonly concurrencyPerWorker: number;
  readonly maxQueue: number;
  readonly niceIncrement: number;
  readonly connectionsPerOrigin: number | undefined;
  readonly poolConnectionsPerOrigin: number | undefined;
  readonly keepAliveTimeout: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly crashRetries: number;
  readonly terminateGrace: number;
}

export const executorDefaults = Object.freeze({
  concurrencyPerWorker: 64,
  maxQueue: Number.POSITIVE_INFINITY,
  niceIncrement: 10,
  keepAliveTimeout: 4_000,
  crashRetries: 0,
  terminateGrace: 1_000,
});

export const executorOptionNames: ReadonlySet<string> = new Set([
  'maxWorkers',
  'ioWorkers',
  'concurrencyPerWorker',
  'maxQueue',
  'niceIncrement',
  'connectionsPerOrigin',
  'poolConnectionsPerOrigin',
  'keepAliveTimeout',
  'resourceLimits',
  'crashRetries',
  'terminateGrace',
]);

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function check(options: ExecutorOptions, name: keyof ExecutorOptions, ok: (v: unknown) => boolean, what: string): void {
  const value = options[name];
  if (value !== undefined && !ok(value)) {
    throw new InvalidArgumentError(`options.${name} must be ${what}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
}

/** Validates and applies defaults; throws InvalidArgumentError naming the option. */
export function resolveExecutorOptions(options: ExecutorOptions, cores: number): ResolvedExecutorOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('executor options must be an object');
  for (const key of Object.keys(options)) {
    if (!executorOptionNames.has(key)) throw new InvalidArgumentError(`unknown executor option "${key}"; allowed: ${[...executorOptionNames].join(', ')}`);
  }
  check(options, 'maxWorkers', isPositiveInteger, 'a positive integer');
  check(options, 'ioWorkers', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 64, 'an integer from 0 to 64');
  check(options, 'concurrencyPerWorker', isPositiveInteger, 'a positive integer');
  check(
    options,
    'maxQueue',
    (v) => v === Number.POSITIVE_INFINITY || (typeof v === 'number' && Number.isInteger(v) && v >= 0),
    'a non-negative integer or Infinity',
  );
  check(options, 'niceIncrement', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 19, 'an integer from 0 to 19');
  check(options, 'connectionsPerOrigin', isPositiveInteger, 'a positive integer');
  check(options, 'poolConnectionsPerOrigin', isPositiveInteger, 'a positive integer');
  check(options, 'keepAliveTimeout', (v) => typeof v === 'number' && v > 0, 'a positive number of milliseconds');
  check(options, 'crashRetries', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 10, 'an integer from 0 to 10');
  check(options, 'terminateGrace', (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, 'a non-negative number of milliseconds');
  check(options, 'resourceLimits', (v) => typeof v === 'object' && v !== null, 'an object of worker resource limits');
  const maxWorkers = options.maxWorkers ?? Math.max(1, cores);
  return {
    maxWorkers,
    ioWorkers: options.ioWorkers ?? (maxWorkers >= 2 ? 1 : 0),
    concurrencyPerWorker: options.concurrencyPerWorker ?? executorDefaults.concurrencyPerWorker,
    maxQueue: options.maxQueue ?? executorDefaults.maxQueue,
    niceIncrement: options.niceIncrement ?? executorDefaults.niceIncrement,
    connectionsPerOrigin: options.connectionsPerOrigin,
    poolConnectionsPerOrigin: options.poolConnectionsPerOrigin,
    keepAliveTimeout: options.keepAliveTimeout ?? executorDefaults.keepAliveTimeout,
    resourceLimits: options.resourceLimits,
    crashRetries: options.crashRetries ?? executorDefaults.crashRetries,
    terminateGrace: options.terminateGrace ?? executorDefaults.terminateGrace,
  };
}
