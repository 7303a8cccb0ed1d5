/** after(): start work from the results of other futures (asynckit's chained work), as one future. */
import { AbortedError, CallbackError, DependencyError, InvalidArgumentError, ThreadfetchError } from '@threadfetch/worker';
import { Future, kControl } from './future.js';

/** The resolved values of a tuple of futures. */
export type Results<F extends readonly PromiseLike<unknown>[]> = { -readonly [K in keyof F]: Awaited<F[K]> };

/**
 * Returns a future at once that, when every future in `dependencies` has succeeded, calls `make` with
 * their responses (in order) and follows the future `make` returns. If a dependency fails, it rejects
 * with TF_ERR_DEPENDENCY_FAILED (the dependency's error as `cause`) and `make` never runs. Cancelling
 * it before `make` ran means the work is never started; after, it cancels the future `make` returned.
 *
 * ```ts
 * const user = session.get('/user/1', { background: 'json' });
 * const orders = after([user], ([u]) => session.get(`/orders?user=${(u.data as { id: string }).id}`));
 * ```
 *
 * Bad input (dependencies that are not an array of futures, a `make` that is not a function) never
 * throws: the future rejects with TF_ERR_INVALID_ARGUMENT, as a request with bad options does.
 */
export function after<const F extends readonly Future<unknown, unknown>[], D, R>(dependencies: F, make: (results: Results<F>) => Future<D, R>): Future<D, R> {
  const problem = checkInput(dependencies, make);
  const future = new Future<D, R>({ method: 'AFTER', url: problem ? '(bad input)' : `(depends on ${dependencies.length} future(s))` });
  const control = future[kControl];
  if (problem) {
    control.reject(new InvalidArgumentError(problem));
    return future;
  }
  let inner: Future<D, R> | undefined;
  let cancelled = false;
  control.owner = {
    cancel(reason) {
      if (inner) return inner.cancel(reason);
      cancelled = true;
      control.reject(new AbortedError('dependent work cancelled before it started', { cause: reason }));
      return true;
    },
  };
  Promise.all(dependencies).then(
    (results) => {
      if (cancelled) return;
      try {
        inner = make(results as Results<F>);
      } catch (error) {
        control.reject(wrapThrown(error));
        return;
      }
      if (!(inner instanceof Future)) {
        control.reject(new InvalidArgumentError(`after(): make must return a Future (the result of a session request), got ${describe(inner)}`));
        return;
      }
      // Settled with it, in the same turn (a cancel() that took effect leaves it done), and running as it is.
      const own = inner[kControl];
      control.follows = own;
      own.onSettle((error, value) => (error ? control.reject(error) : control.resolve(value as R)));
    },
    (error: unknown) => {
      const failed = dependencies.find((d) => d.error === error);
      const which = failed ? `${failed.request.method} ${failed.request.url}` : 'a dependency';
      control.reject(new DependencyError(`dependency failed: ${which}: ${(error as Error)?.message ?? error}`, { cause: error }));
    },
  );
  return future;
}

/** Why the arguments of after() are bad, or undefined when they are fine. */
function checkInput(dependencies: unknown, make: unknown): string | undefined {
  if (!Array.isArray(dependencies)) return `after(): dependencies must be an array of futures, got ${describe(dependencies)}`;
  const bad = dependencies.findIndex((d) => !(d instanceof Future));
  if (bad !== -1) return `after(): dependencies[${bad}] must be a Future (the result of a session request), got ${describe(dependencies[bad])}`;
  if (typeof make !== 'function') return `after(): make must be a function that returns a Future, got ${describe(make)}`;
  return undefined;
}

/** A short description of a value for an error message: its type, never its contents. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value;
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? `an object (${name})` : 'an object';
  } catch {
    return 'an object';
  }
}

/** What `make` threw, as a coded error: a threadfetch error as it is, anything else a CallbackError with it as `cause`. */
function wrapThrown(error: unknown): Error {
  if (error instanceof ThreadfetchError || error instanceof InvalidArgumentError) return error;
  return new CallbackError(`after(): make threw: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
