/** wait: block (asynchronously) until a condition on a set of futures holds, as Python's concurrent.futures.wait. */
import { InvalidArgumentError } from '@threadfetch/worker';
import { type Future, kControl } from './future.js';

export const ReturnWhen = {
  ALL_COMPLETED: 'ALL_COMPLETED',
  FIRST_COMPLETED: 'FIRST_COMPLETED',
  FIRST_EXCEPTION: 'FIRST_EXCEPTION',
} as const;
export type ReturnWhen = (typeof ReturnWhen)[keyof typeof ReturnWhen];

/** Options of {@link wait}. */
export interface WaitOptions {
  /** When to resolve: all done, the first done, or the first failed (else all done). @default 'ALL_COMPLETED' */
  readonly returnWhen?: ReturnWhen;
  /** Milliseconds after which `wait` resolves with what is done so far; it never rejects on timeout. @default undefined (no limit) */
  readonly timeout?: number;
}

/** The futures split by whether they are done. */
export interface WaitResult<F> {
  readonly done: Set<F>;
  readonly notDone: Set<F>;
}

/** Resolves `{ done, notDone }` when `returnWhen` holds or `timeout` passes. Never cancels anything. */
export function wait<F extends Future<unknown, unknown>>(futures: Iterable<F>, options: WaitOptions = {}): Promise<WaitResult<F>> {
  const { returnWhen = ReturnWhen.ALL_COMPLETED, timeout } = options;
  if (!Object.hasOwn(ReturnWhen, returnWhen)) {
    return Promise.reject(new InvalidArgumentError(`wait: options.returnWhen must be one of ${Object.keys(ReturnWhen).join(', ')}, got ${String(returnWhen)}`));
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    return Promise.reject(new InvalidArgumentError(`wait: options.timeout must be a non-negative number of milliseconds, got ${String(timeout)}`));
  }
  const all = new Set(futures);
  const split = (): WaitResult<F> => {
    const done = new Set<F>();
    const notDone = new Set<F>();
    for (const f of all) (f.done ? done : notDone).add(f);
    return { done, notDone };
  };
  let doneCount = 0;
  let failed = false;
  const count = (f: F) => {
    doneCount += 1;
    if (f.error !== undefined) failed = true;
  };
  const satisfied = (): boolean =>
    doneCount === all.size || (doneCount > 0 && returnWhen === ReturnWhen.FIRST_COMPLETED) || (failed && returnWhen === ReturnWhen.FIRST_EXCEPTION);
  for (const f of all) if (f.done) count(f);
  if (satisfied()) return Promise.resolve(split());
  return new Promise((resolve) => {
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(split());
    };
    if (timeout !== undefined) timer = setTimeout(finish, timeout);
    for (const f of all) {
      if (f.done) continue;
      f[kControl].onSettle(() => {
        count(f);
        if (!finished && satisfied()) finish();
      });
    }
  });
}
