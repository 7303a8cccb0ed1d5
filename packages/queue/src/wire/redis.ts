/** Redis connections this package opens itself (besides BullMQ's), and BullMQ's form of the same settings. */
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** A new connection; commands wait through reconnects instead of failing (BullMQ's requirement too). */
export function connect(connection: string | RedisOptions): Redis {
  return typeof connection === 'string' ? new Redis(connection, { maxRetriesPerRequest: null }) : new Redis({ ...connection, maxRetriesPerRequest: null });
}

/** BullMQ's connection options for the same Redis: it opens and closes its own connections from them. */
export function bullConnection(connection: string | RedisOptions): ConnectionOptions {
  const options = typeof connection === 'string' ? { url: connection, maxRetriesPerRequest: null } : { ...connection, maxRetriesPerRequest: null };
  return options as ConnectionOptions;
}

/** Something that reports connection errors. */
export interface ErrorSource {
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** Reports connection errors (ioredis reconnects by itself) instead of letting an unheard 'error' event throw. */
export function onErrors(sources: readonly ErrorSource[], report: (error: unknown) => void): void {
  for (const source of sources) source.on('error', report);
}
