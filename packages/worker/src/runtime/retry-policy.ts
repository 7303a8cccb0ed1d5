/**
 * The retry decision for undici's retry interceptor, written for our {@link RetrySpec}: which
 * methods, statuses and error codes retry, exponential backoff, and `Retry-After` only when
 * `retryAfter` is on (undici's built-in decision always honours the header).
 */
import type { RetrySpec } from '../protocol/messages.js';

interface RetryError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly headers?: Record<string, string | string[] | undefined>;
}
type Done = (error: Error | null) => void;
type Decide = (error: Error, context: { state: { counter: number }; opts: { method: string } }, done: Done) => void;

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
    const backoff = spec.minTimeout * spec.timeoutFactor ** (state.counter - 1);
    const hinted = spec.retryAfter ? retryAfterMs(headers?.['retry-after']) : undefined;
    setTimeout(() => done(null), Math.min(hinted ?? backoff, spec.maxTimeout));
  };
}

/** `Retry-After` as milliseconds from now: delta seconds or an HTTP date; undefined when absent or past. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  const ms = Number.isNaN(seconds) ? Date.parse(text) - Date.now() : seconds * 1000;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
