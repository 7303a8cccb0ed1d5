/** Redis connections this package opens itself (besides BullMQ's), and BullMQ's form of the same settings. */
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: a `redis://` or `rediss://` URL, or ioredis options. */
export type RedisConnection = string | RedisOptions;

/**
 * Whether a connection that dropped should connect again. Once its owner shuts down it answers false:
 * ioredis then ends the connection and fails what waits on it ("Connection is closed"), instead of
 * retrying forever with a timer that keeps the process alive. A `disconnect()` alone does not do
 * that while ioredis is between two attempts: the commands waiting stay unsettled, and BullMQ's
 * `close()`, which waits for its connection to be ready first, never returns.
 */
export type Reconnect = () => boolean;

/** Delay between reconnect attempts when the caller's options set none: 200 ms, 400 ms, ... up to 2 s. */
const defaultRetry = (times: number): number => Math.min(times * 200, 2_000);

/**
 * TCP keepalive, ms of silence before the first probe, when the caller's options set none: a peer gone
 * without a word (half-open connection) is then noticed by the OS instead of never (ioredis' 0 leaves
 * the system's default, two hours on Linux).
 */
export const keepAliveMs = 10_000;

function options(connection: RedisConnection, reconnect: Reconnect): RedisOptions {
  const own = typeof connection === 'string' ? {} : connection;
  const retry = own.retryStrategy ?? defaultRetry;
  return { keepAlive: keepAliveMs, ...own, maxRetriesPerRequest: null, retryStrategy: (times) => (reconnect() ? retry(times) : null) };
}

/**
 * A new connection; commands wait through reconnects instead of failing (BullMQ's requirement too), until
 * `reconnect` says no. `name`: its CLIENT SETNAME, to find it in CLIENT LIST.
 */
export function connect(connection: RedisConnection, reconnect: Reconnect, name?: string): Redis {
  const o = { ...options(connection, reconnect), ...(name === undefined ? {} : { connectionName: name }) };
  return typeof connection === 'string' ? new Redis(connection, o) : new Redis(o);
}

/** BullMQ's connection options for the same Redis: it opens and closes its own connections from them. */
export function bullConnection(connection: RedisConnection, reconnect: Reconnect): ConnectionOptions {
  const base = options(connection, reconnect);
  return (typeof connection === 'string' ? { url: connection, ...base } : base) as ConnectionOptions;
}

/** Something that reports connection errors. */
export interface ErrorSource {
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Reports connection errors (ioredis reconnects by itself) instead of letting an unheard 'error' event throw. */
export function onErrors(sources: readonly ErrorSource[], report: (error: unknown) => void): void {
  for (const source of sources) source.on('error', report);
}

/** Resolves with `promise`'s settlement or after `ms`, whichever comes first; the timer never outlives it. */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise.then(noop, noop), limit]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}
