/** This worker's heartbeat (see protocol/heartbeat.ts): started by the entry, stamped around callbacks. */
import { HeartbeatWriter } from '../protocol/heartbeat.js';

export const heartbeat = new HeartbeatWriter();

/**
 * Runs a user callback and waits for what it returns, unless the request is aborted first: then the
 * abort reason is thrown at once, so a callback whose promise never settles does not keep its
 * request (and its slot) past a deadline or cancel. A late settlement is ignored.
 */
export function runCallback(run: () => unknown, signal: AbortLike): unknown {
  const value = heartbeat.inCallback(run);
  if (!isThenable(value)) return value;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.once('abort', onAbort);
    value.then(
      (data) => {
        signal.removeListener('abort', onAbort);
        resolve(data);
      },
      (error: unknown) => {
        signal.removeListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** What {@link runCallback} needs of a cancellation. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
