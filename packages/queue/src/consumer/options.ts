/** Options of a worker process's {@link QueueConsumer}, and their validation. */
import { InvalidArgumentError } from '@threadfetch/worker';
import type { RedisOptions } from 'ioredis';
import { checkConnection, isQueueName, positiveInteger, show } from '../producer/options.js';

/** Settings of a worker process (see the `threadfetch-worker` command). */
export interface QueueConsumerOptions {
  /** Redis, as a `redis://` / `rediss://` URL or ioredis options (`--redis`). Required. */
  readonly connection: string | RedisOptions;
  /** The queue the producers' QueueExecutor uses (`--queue`). Required. */
  readonly queue: string;
  /** BullMQ's key prefix, as the producers' `prefix` (`--prefix`). Required; `threadfetch-worker` passes `'bull'` by default. */
  readonly prefix: string;
  /** file: URL of the callbacks module on this machine (`--callbacks`); undefined: built-ins only. */
  readonly callbacks: string | undefined;
  /** Worker threads of the local pool (`--workers`). Required; `threadfetch-worker` passes `os.availableParallelism()` by default. */
  readonly workers: number;
  /** Jobs this process runs at once (`--concurrency`). Required; `threadfetch-worker` passes 64 by default. */
  readonly concurrency: number;
  /** BullMQ job lock in ms (`--lock-duration`), renewed every half of it. Required; `threadfetch-worker` passes 30000 by default. */
  readonly lockDuration: number;
  /** ms between this process's stalled-job checks (`--stalled-interval`). Required; `threadfetch-worker` passes 30000 by default. */
  readonly stalledInterval: number;
  /** Times a job may stall and run again before it fails with TF_ERR_WORKER_CRASHED (`--max-stalled-count`). Required; `threadfetch-worker` passes 1 by default. */
  readonly maxStalledCount: number;
}

/** Throws InvalidArgumentError naming the first option that is missing or wrong (the CLI checks its flags before). */
export function checkConsumerOptions(options: QueueConsumerOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('QueueConsumer options must be an object');
  checkConnection(options.connection);
  const check = (name: keyof QueueConsumerOptions, ok: (v: unknown) => boolean, what: string): void => {
    if (!ok(options[name])) throw new InvalidArgumentError(`options.${name} must be ${what}, got ${show(options[name])}`);
  };
  check('queue', isQueueName, 'a non-empty name without ":"');
  check('prefix', isQueueName, 'a non-empty name without ":"');
  check('callbacks', (v) => v === undefined || (typeof v === 'string' && v.startsWith('file:')), 'a file: URL or undefined');
  for (const name of ['workers', 'concurrency', 'lockDuration', 'stalledInterval'] as const) check(name, positiveInteger, 'a positive integer');
  check('maxStalledCount', (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, 'a non-negative integer');
}
