/**
 * The retry decision for undici's retry interceptor, written for our {@link RetrySpec}: which
 * methods, statuses and error codes retry, and how long to wait. The wait is exponential backoff,
 * or the `Retry-After` of a 429 or 503 when `retryAfter` is on (the statuses it is defined for;
 * undici's built-in decision reads it on any status). A Retry-After longer than `maxTimeout` is not
 * cut short: the response is returned as it is rather than asked again before the server said (as
 * got does). The wait ends early when the request is aborted (cancel or deadline), and nothing more is
 * sent.
 */
import type { RetrySpec } from '../protocol/messages.js';

interface RetryError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly headers?: Record<string, string | string[] | undefined>;
}
/** The request's signal as undici passes it along: our Cancellation (cancellation.ts). */
interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}
type Done = (error: Error | null) => void;
type Decide = (error: Error, context: { state: { counter: number }; opts: { method: string; signal?: Abortable } }, done: Done) => void;

/** The statuses whose Retry-After is read. */
const hintedStatuses = new Set([429, 503]);

/** The `retry` function for `interceptors.retry({ retry })`. */
export function retryPolicy(spec: RetrySpec): Decide {
  return (error, { state, opts }, done) => {
    const { statusCode, code, headers } = error as RetryError;
    const retryable =
      state.counter <= spec.maxRetries &&
      spec.methods.includes(opts.method) &&
      (code === undefined || code === 'UND_ERR_REQ_RETRY' || spec.errorCodes.includes(code)) &&
      (statusCode === undefined || spec.statusCodes.includes(statusCode));
    if (!retryable) return done(error);
    let delay = Math.min(spec.minTimeout * spec.timeoutFactor ** (state.counter - 1), spec.maxTimeout);
    if (spec.retryAfter && statusCode !== undefined && hintedStatuses.has(statusCode)) {
      const hinted = retryAfterMs(headers?.['retry-after']);
      if (hinted !== undefined && hinted > spec.maxTimeout) return done(error);
      delay = hinted ?? delay;
    }
    wait(delay, opts.signal, done);
  };
}

/** Calls `done(null)` after `ms`, or `done(reason)` at once when `signal` aborts first. */
function wait(ms: number, signal: Abortable | undefined, done: Done): void {
  if (signal?.aborted) {
    done(signal.reason as Error);
    return;
  }
  const onAbort = () => {
    clearTimeout(timer);
    done(signal?.reason as Error);
  };
  const timer = setTimeout(() => {
    signal?.removeListener('abort', onAbort);
    done(null);
  }, ms);
  signal?.once('abort', onAbort);
}

/** `Retry-After` as milliseconds from now: delta seconds or an HTTP date; undefined when absent or past. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  const ms = Number.isNaN(seconds) ? Date.parse(text) - Date.now() : seconds * 1000;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
