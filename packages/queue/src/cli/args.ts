/** The `threadfetch-worker` command line: parsed, validated (each error names its flag), defaults applied. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { QueueConsumerOptions } from '../consumer/queue-consumer.js';
import { isQueueName } from '../producer/options.js';

export const usage = `Usage: threadfetch-worker --redis URL --queue NAME [options]

Consumes a threadfetch queue (QueueExecutor) and runs its requests on a local pool of worker threads.

  --redis URL              Redis, as redis://[user:pass@]host:port[/db] or rediss://… (required)
  --queue NAME             the queue the producers' QueueExecutor uses (required)
  --callbacks MODULE       the module whose named exports are background callbacks (and what
                           session.run calls), on this machine
                           (a path or file: URL); without it only the built-ins json and text run.
                           The callbacks path a producer's session names is not used here.
  --workers N              worker threads (default: available parallelism)
  --concurrency N          jobs this process runs at once (default: 64)
  --lock-duration MS       BullMQ job lock; a process that stops renewing it (killed, frozen) for this
                           long has its jobs run again elsewhere (default: 30000)
  --stalled-interval MS    how often this process looks for stalled jobs (default: 30000)
  --max-stalled-count N    times a job may stall and be run again before it fails (default: 1)
  --prefix PREFIX          BullMQ key prefix, as the producers' prefix option (default: bull)
  --help                   this text

SIGTERM or SIGINT: stop taking jobs, finish the active ones, deliver their results, exit 0.
A second signal exits at once; the jobs left active run again on another process once their lock expires.
`;

/** Thrown for a bad command line: the command prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

function integer(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

/** The consumer options from argv, or 'help'. */
export function parseWorkerArgs(argv: readonly string[]): QueueConsumerOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        callbacks: { type: 'string' },
        workers: { type: 'string' },
        concurrency: { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'max-stalled-count': { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const str = (name: string) => values[name] as string | undefined;
  const redis = str('redis');
  if (redis === undefined) throw new UsageError('--redis URL is required');
  if (!/^rediss?:\/\/[^/]/.test(redis) || !URL.canParse(redis))
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got ${JSON.stringify(redis)}`);
  const queue = str('queue');
  if (!isQueueName(queue)) throw new UsageError(`--queue must be a non-empty name without ":", got ${JSON.stringify(queue ?? '')}`);
  const prefix = str('prefix') ?? 'bull';
  if (!isQueueName(prefix)) throw new UsageError(`--prefix must be a non-empty name without ":", got ${JSON.stringify(prefix)}`);
  return {
    connection: redis,
    queue,
    prefix,
    callbacks: callbacksUrl(str('callbacks')),
    workers: integer('workers', str('workers'), availableParallelism(), 1),
    concurrency: integer('concurrency', str('concurrency'), 64, 1),
    lockDuration: integer('lock-duration', str('lock-duration'), 30_000, 1000),
    stalledInterval: integer('stalled-interval', str('stalled-interval'), 30_000, 100),
    maxStalledCount: integer('max-stalled-count', str('max-stalled-count'), 1, 0),
  };
}

function callbacksUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = value.startsWith('file:') ? new URL(value) : pathToFileURL(resolve(value));
  if (!existsSync(url)) throw new UsageError(`--callbacks: no such file: ${value}`);
  return url.href;
}
