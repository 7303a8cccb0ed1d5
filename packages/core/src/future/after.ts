/** after(): start work from the results of other futures (asynckit's chained work), as one future. */
import { AbortedError, DependencyError } from '@threadfetch/worker';
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
 */
export function after<const F extends readonly Future<unknown, unknown>[], D, R>(dependencies: F, make: (results: Results<F>) => Future<D, R>): Future<D, R> {
  const future = new Future<D, R>({ method: 'AFTER', url: `(depends on ${dependencies.length} future(s))` });
  const control = future[kControl];
  let inner: Future<D, R> | undefined;
  let cancelled = false;
  control.onCancel = (reason) => {
    if (inner) return inner.cancel(reason);
    cancelled = true;
    control.reject(new AbortedError('dependent work cancelled before it started', { cause: reason }));
    return true;
  };
  Promise.all(dependencies).then(
    (results) => {
      if (cancelled) return;
      try {
        inner = make(results as Results<F>);
      } catch (error) {
        control.reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (!(inner instanceof Future)) {
        control.reject(new TypeError('after(): make must return a Future (the result of a session request)'));
        return;
      }
      inner.then(control.resolve, (error: unknown) => control.reject(error as Error));
      if (inner.running) control.setRunning();
    },
    (error: unknown) => {
      const failed = dependencies.find((d) => d.error === error);
      const which = failed ? `${failed.request.method} ${failed.request.url}` : 'a dependency';
      control.reject(new DependencyError(`dependency failed: ${which}: ${(error as Error)?.message ?? error}`, { cause: error }));
    },
  );
  return future;
}
