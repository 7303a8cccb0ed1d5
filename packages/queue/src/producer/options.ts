/** Options of {@link QueueExecutor}, their defaults and their validation. */
import { InvalidArgumentError } from '@threadfetch/worker';
import type { RedisConnection } from '../wire/redis.js';

export type { RedisConnection } from '../wire/redis.js';

/** Options of {@link QueueExecutor}. */
export interface QueueExecutorOptions {
  /**
   * Redis, as a URL (`redis://host:6379/0`) or ioredis options (not a client: the executor opens its own
   * connections from it and closes them in `destroy()`). Required.
   */
  readonly connection: RedisConnection;
  /** The BullMQ queue name; worker processes consume it with `threadfetch-worker --queue NAME`. Required. */
  readonly queue: string;
  /** BullMQ's key prefix in Redis; workers must use the same (`--prefix`). @default 'bull' */
  readonly prefix?: string;
  /**
   * Largest result accepted, in bytes, as encoded for Redis (status, headers, body and callback data).
   * A larger one fails with TF_ERR_RESULT_TOO_LARGE in the worker process, before it reaches Redis;
   * it is never truncated. Drop or reduce big bodies in a callback (`keepBody: false`). @default 4194304 (4 MiB)
   */
  readonly maxResultBytes?: number;
  /** Milliseconds a result may wait in Redis for this producer to read it (a producer that died leaves no garbage). @default 3600000 (1 hour) */
  readonly resultTtl?: number;
  /**
   * Carry `saveTo` requests: the path (made absolute on the producer) is written on the machine of the
   * worker process that runs the request, not the caller's. Off, such requests fail with TF_ERR_NOT_SUPPORTED. @default false
   */
  readonly allowSaveTo?: boolean;
  /** Failed BullMQ jobs (a job that stalled more than the workers' `--max-stalled-count`) kept in Redis for inspection. @default 1000 */
  readonly keepFailedJobs?: number;
  /**
   * Milliseconds one blocking read of results waits in Redis before it is sent again. A connection that
   * answers nothing for this plus 2 s (half-open TCP) is dropped and made again. @default 5000
   */
  readonly readTimeout?: number;
  /**
   * Every this many milliseconds, the BullMQ state of the jobs pending longer than that is looked up
   * (100 at most per round): a job failed there (its `failed` event missed) fails its future; one found
   * nowhere twice in a row fails with TF_ERR_WORKER_CRASHED. Nothing pending: no Redis command. @default 30000
   */
  readonly reconcileInterval?: number;
}

export interface ResolvedQueueExecutorOptions {
  readonly connection: RedisConnection;
  readonly queue: string;
  readonly prefix: string;
  readonly maxResultBytes: number;
  readonly resultTtl: number;
  readonly allowSaveTo: boolean;
  readonly keepFailedJobs: number;
  readonly readTimeout: number;
  readonly reconcileInterval: number;
}

export const queueExecutorDefaults = Object.freeze({
  prefix: 'bull',
  maxResultBytes: 4 * 1024 * 1024,
  resultTtl: 3_600_000,
  allowSaveTo: false,
  keepFailedJobs: 1000,
  readTimeout: 5_000,
  reconcileInterval: 30_000,
});

const names: ReadonlySet<string> = new Set([
  'connection',
  'queue',
  'prefix',
  'maxResultBytes',
  'resultTtl',
  'allowSaveTo',
  'keepFailedJobs',
  'readTimeout',
  'reconcileInterval',
]);

export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export const positiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** A queue or prefix name: BullMQ joins keys with `:`, so it may not hold one. */
export function isQueueName(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !v.includes(':');
}

/** `options.connection` of a QueueExecutor or QueueConsumer: a Redis URL or ioredis options, never a client. */
export function checkConnection(connection: unknown): void {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) throw new InvalidArgumentError(`options.connection must be a redis:// or rediss:// URL, got ${show(connection)}`);
  } else if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw new InvalidArgumentError('options.connection must be a Redis URL or ioredis options');
  } else if (typeof (connection as { sendCommand?: unknown }).sendCommand === 'function') {
    throw new InvalidArgumentError(
      'options.connection must be a Redis URL or ioredis options, not a client (an ioredis Redis or Cluster): threadfetch opens and closes its own connections',
    );
  }
}

/** Validates and applies defaults; throws InvalidArgumentError naming the option. */
export function resolveQueueExecutorOptions(options: QueueExecutorOptions): ResolvedQueueExecutorOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('QueueExecutor options must be an object');
  for (const key of Object.keys(options)) {
    if (!names.has(key)) throw new InvalidArgumentError(`unknown QueueExecutor option "${key}"; allowed: ${[...names].join(', ')}`);
  }
  const { connection, queue } = options;
  checkConnection(connection);
  if (!isQueueName(queue)) throw new InvalidArgumentError(`options.queue must be a non-empty name without ":", got ${show(queue)}`);
  const check = (name: keyof QueueExecutorOptions, ok: (v: unknown) => boolean, what: string): void => {
    const value = options[name];
    if (value !== undefined && !ok(value)) throw new InvalidArgumentError(`options.${name} must be ${what}, got ${show(value)}`);
  };
  check('prefix', isQueueName, 'a non-empty name without ":"');
  check('maxResultBytes', positiveInteger, 'a positive integer');
  check('resultTtl', positiveInteger, 'a positive integer of milliseconds');
  check('allowSaveTo', (v) => typeof v === 'boolean', 'a boolean');
  check('readTimeout', positiveInteger, 'a positive integer of milliseconds');
  check('reconcileInterval', positiveInteger, 'a positive integer of milliseconds');
  check('keepFailedJobs', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'a non-negative integer');
  return {
    connection,
    queue,
    prefix: options.prefix ?? queueExecutorDefaults.prefix,
    maxResultBytes: options.maxResultBytes ?? queueExecutorDefaults.maxResultBytes,
    resultTtl: options.resultTtl ?? queueExecutorDefaults.resultTtl,
    allowSaveTo: options.allowSaveTo ?? queueExecutorDefaults.allowSaveTo,
    keepFailedJobs: options.keepFailedJobs ?? queueExecutorDefaults.keepFailedJobs,
    readTimeout: options.readTimeout ?? queueExecutorDefaults.readTimeout,
    reconcileInterval: options.reconcileInterval ?? queueExecutorDefaults.reconcileInterval,
  };
}
