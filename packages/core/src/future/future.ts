/** Future: a PromiseLike handle on one request, with cancel and a bounded wait, as in concurrent.futures. */
import { AbortedError, InvalidArgumentError, type RequestRef, ResultTimeoutError } from '@threadfetch/worker';
import type { Response } from '../response/response.js';

/** Internal hooks; not part of the public API. */
export const kControl = Symbol('threadfetch.future.control');

/** Told how the future settled: its error, or undefined and its value. */
type Listener = (error: Error | undefined, value: unknown) => void;

type State = 'pending' | 'running' | 'fulfilled' | 'rejected';

/** What runs the future's work: told first when it settles, and asked to cancel it. */
export interface FutureOwner {
  /** Called once, when the future settles, before the `onSettle` listeners. */
  settled?(error: Error | undefined, value: unknown): void;
  /** Called by `cancel()` while pending; returns true when the cancel took effect. */
  cancel(reason: unknown): boolean;
}

/**
 * What the session and executor do to a future, and the future's state. The promise behind the
 * future is made only when someone awaits it (`then`, `catch`, `finally`, `result`): most futures
 * of a busy session are awaited, but a future that is only cancelled, or read with `wait()`, never
 * pays for one.
 */
export class FutureControl<R> {
  state: State = 'pending';
  cancelled = false;
  error: Error | undefined;
  value: R | undefined;
  owner: FutureOwner | undefined;
  /** The future this one settles with (after()): running while it is. */
  follows: { readonly running: boolean } | undefined;
  #listeners: Listener[] | undefined;
  #promise: Promise<R> | undefined;
  #resolve: ((value: R) => void) | undefined;
  #reject: ((error: Error) => void) | undefined;

  get done(): boolean {
    return this.state === 'fulfilled' || this.state === 'rejected';
  }

  /** true while the work is with a worker: this future's own request, or the one it follows. */
  get running(): boolean {
    return this.state === 'running' || (this.state === 'pending' && this.follows?.running === true);
  }

  resolve(value: R): void {
    if (this.done) return;
    this.state = 'fulfilled';
    this.value = value;
    this.#resolve?.(value);
    this.#settle();
  }

  reject(error: Error): void {
    if (this.done) return;
    this.state = 'rejected';
    this.error = error;
    this.#reject?.(error);
    this.#settle();
  }

  setRunning(): void {
    if (this.state === 'pending') this.state = 'running';
  }

  /** Marks the future cancelled (by cancel() or its signal); call before reject. */
  markCancelled(): void {
    if (!this.done) this.cancelled = true;
  }

  /** Runs once, when the future settles (at once if it has). */
  onSettle(listener: Listener): void {
    if (this.done) listener(this.error, this.value);
    else {
      this.#listeners ??= [];
      this.#listeners.push(listener);
    }
  }

  /** The promise of the outcome, made on first use (by then, catch, finally or result). */
  promise(): Promise<R> {
    if (this.#promise) return this.#promise;
    if (this.state === 'fulfilled') this.#promise = Promise.resolve(this.value as R);
    else if (this.state === 'rejected') this.#promise = Promise.reject(this.error);
    else {
      this.#promise = new Promise<R>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    return this.#promise;
  }

  #settle(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
    this.owner?.settled?.(this.error, this.value);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const l of listeners) l(this.error, this.value);
  }
}

/**
 * The result of a request that has not finished yet. Await it (it is PromiseLike) or use `result(ms)`.
 * A rejected future whose error is never read does not raise an unhandled rejection. `D` is the type
 * of `res.data`; `R` the resolved response (a {@link StreamResponse} for `session.stream`).
 */
export class Future<D = unknown, R = Response<D>> implements PromiseLike<R> {
  readonly #request: RequestRef;
  readonly [kControl]: FutureControl<R> = new FutureControl<R>();

  constructor(request: RequestRef) {
    this.#request = request;
  }

  /**
   * A future its caller settles, as `Promise.withResolvers` makes a promise (asynckit's
   * `AsyncResult.set`): usable wherever a future is (`session.run` arguments, `after`, `asCompleted`,
   * `wait`). Only the first of `resolve`, `reject` and `cancel()` counts. `reject` with a value that
   * is not an Error fails the future with an Error whose `cause` is that value.
   */
  static withResolvers<T>(): FutureResolvers<T> {
    const future = new Future<undefined, T>({ method: 'SET', url: '(settled by its caller)' });
    const control = future[kControl];
    control.owner = {
      cancel(reason) {
        control.reject(new AbortedError('future cancelled before it was set', { cause: reason }));
        return true;
      },
    };
    return {
      future,
      resolve: (value) => control.resolve(value),
      reject: (error) => control.reject(error instanceof Error ? error : new Error(String(error), { cause: error })),
    };
  }

  /** The request this future stands for. */
  get request(): RequestRef {
    return this.#request;
  }

  /** true once the future has a response or an error. */
  get done(): boolean {
    return this[kControl].done;
  }

  /** true while the request is with a worker (sent, not settled). */
  get running(): boolean {
    return this[kControl].running;
  }

  /** true when `cancel()` (or the request's signal) took effect. */
  get cancelled(): boolean {
    return this[kControl].cancelled;
  }

  /** The error, once the future has failed; undefined otherwise. Reading it does not throw. */
  get error(): Error | undefined {
    return this[kControl].error;
  }

  /**
   * Cancels the request: a queued request is never sent, an in-flight one is aborted inside its worker
   * (the worker and its other requests go on). The future rejects with `TF_ERR_ABORTED`.
   * @returns true when the cancel took effect, false once the future is done.
   */
  cancel(reason?: unknown): boolean {
    const control = this[kControl];
    if (control.done || !control.owner) return false;
    const took = control.owner.cancel(reason);
    if (took) control.cancelled = true;
    return took;
  }

  /**
   * Waits for the response. With `timeoutMs`, rejects with `TF_ERR_RESULT_TIMEOUT` if the future is not
   * done by then; the request itself goes on.
   */
  result(timeoutMs?: number): Promise<R> {
    // A rejection nobody reads from here is not reported as unhandled.
    if (timeoutMs === undefined || this.done) return handled(this[kControl].promise());
    if (!(typeof timeoutMs === 'number' && timeoutMs >= 0 && timeoutMs <= 2_147_483_647)) {
      return Promise.reject(
        new InvalidArgumentError(`result(timeoutMs): timeoutMs must be a number of milliseconds from 0 to 2147483647, got ${String(timeoutMs)}`, {
          request: this.#request,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ResultTimeoutError(`no result within ${timeoutMs} ms; the request goes on`, { request: this.#request })),
        timeoutMs,
      );
      this[kControl]
        .promise()
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    });
  }

  // biome-ignore lint/suspicious/noThenProperty: a Future is a thenable by design
  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this[kControl].promise().then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B> {
    return this[kControl].promise().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<R> {
    return this[kControl].promise().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    const control = this[kControl];
    return `Future(${control.state}${control.cancelled ? ', cancelled' : ''})`;
  }
}

/** What {@link Future.withResolvers} returns. */
export interface FutureResolvers<T> {
  readonly future: Future<undefined, T>;
  /** Fulfils the future with `value` (taken as it is: a thenable is not awaited). */
  resolve(value: T): void;
  /** Fails the future with `error`. */
  reject(error: unknown): void;
}

function noop(): void {}

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}
