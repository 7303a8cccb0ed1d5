/** asCompleted and wait: the futures themselves, in the order they settle (Python's concurrent.futures). */
import { InvalidArgumentError, ResultTimeoutError } from '@threadfetch/worker';
import { type Future, kControl } from './future.js';

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /** Milliseconds after which iteration throws `TF_ERR_RESULT_TIMEOUT` if futures are left. @default undefined (no limit) */
  readonly timeout?: number;
}

/**
 * A future as `asCompleted` yields it: the very same object, done, typed without `then`. TypeScript
 * types a `for await` variable as the awaited type of what is yielded, which for a thenable Future
 * would be its Response; the runtime yields the Future itself (an explicit iterator, not an async
 * generator, so nothing awaits it). Read `error`, or `await f.result()` for the response.
 */
export type CompletedFuture<F extends Future<unknown, unknown>> = Omit<F, 'then' | 'catch' | 'finally'>;

/**
 * Yields each future once it is done, in the order they settle; a future that failed is yielded too
 * (read `future.error`, or `await future.result()` to throw). Duplicates are yielded once.
 */
export function asCompleted<F extends Future<unknown, unknown>>(
  futures: Iterable<F>,
  options: AsCompletedOptions = {},
): AsyncIterableIterator<CompletedFuture<F>> {
  const all = [...new Set(futures)];
  const ready: F[] = [];
  let waiting: ((result: IteratorResult<F>) => void) | undefined;
  let failWaiting: ((error: Error) => void) | undefined;
  let yielded = 0;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const { timeout } = options;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    throw new InvalidArgumentError(`asCompleted: options.timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
  }
  for (const future of all) {
    future[kControl].onSettle(() => {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        yielded += 1;
        w({ value: future, done: false });
      } else ready.push(future);
    });
  }
  if (timeout !== undefined && yielded + ready.length < all.length) {
    timer = setTimeout(() => {
      timedOut = true;
      failWaiting?.(timeoutError(all.length - yielded - ready.length, timeout));
    }, timeout);
  }
  const iterator: AsyncIterableIterator<CompletedFuture<F>> = {
    next(): Promise<IteratorResult<CompletedFuture<F>>> {
      const next = ready.shift();
      if (next) {
        yielded += 1;
        return Promise.resolve({ value: next, done: false });
      }
      if (yielded === all.length) {
        clearTimeout(timer);
        return Promise.resolve({ value: undefined, done: true });
      }
      if (timedOut) return Promise.reject(timeoutError(all.length - yielded, timeout ?? 0));
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    return(): Promise<IteratorResult<CompletedFuture<F>>> {
      clearTimeout(timer);
      yielded = all.length;
      ready.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function timeoutError(left: number, ms: number): Error {
  return new ResultTimeoutError(`asCompleted: ${left} future(s) not done within ${ms} ms`);
}
