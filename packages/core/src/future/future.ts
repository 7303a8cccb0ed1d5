/** Future: a PromiseLike handle on one request, with cancel and a bounded wait, as in concurrent.futures. */
import { InvalidArgumentError, type RequestRef, ResultTimeoutError } from '@threadfetch/worker';
import type { Response } from '../response/response.js';

/** Internal hooks; not part of the public API. */
export const kControl = Symbol('threadfetch.future.control');

/** Told how the future settled: its error, or undefined and its value. */
type Listener = (error: Error | undefined, value: unknown) => void;

/** What the session and executor do to a future. */
export interface FutureControl<R> {
  resolve(value: R): void;
  reject(error: Error): void;
  setRunning(): void;
  /** Marks the future cancelled (by cancel() or its signal); call before reject. */
  markCancelled(): void;
  /** Called by `cancel()` while pending; returns true when the cancel took effect. */
  onCancel: ((reason: unknown) => boolean) | undefined;
  /** Runs once, when the future settles. */
  onSettle(listener: Listener): void;
}

/**
 * The result of a request that has not finished yet. Await it (it is PromiseLike) or use `result(ms)`.
 * A rejected future whose error is never read does not raise an unhandled rejection.
 */
/**
 * `D` is the type of `res.data`; `R` the resolved response (a {@link StreamResponse} for `session.stream`).
 */
export class Future<D = unknown, R = Response<D>> implements PromiseLike<R> {
  readonly #promise: Promise<R>;
  readonly #request: RequestRef;
  #state: 'pending' | 'running' | 'fulfilled' | 'rejected' = 'pending';
  #cancelled = false;
  #error: Error | undefined;
  #listeners: Listener[] | undefined;
  readonly [kControl]: FutureControl<R>;

  constructor(request: RequestRef) {
    this.#request = request;
    let resolve!: (value: R) => void;
    let reject!: (error: Error) => void;
    this.#promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#promise.catch(noop);
    let settledValue: unknown;
    const settle = () => {
      const listeners = this.#listeners;
      this.#listeners = undefined;
      if (listeners) for (const l of listeners) l(this.#error, settledValue);
    };
    this[kControl] = {
      resolve: (value) => {
        if (this.done) return;
        this.#state = 'fulfilled';
        settledValue = value;
        resolve(value);
        settle();
      },
      reject: (error) => {
        if (this.done) return;
        this.#state = 'rejected';
        this.#error = error;
        reject(error);
        settle();
      },
      setRunning: () => {
        if (this.#state === 'pending') this.#state = 'running';
      },
      markCancelled: () => {
        if (!this.done) this.#cancelled = true;
      },
      onCancel: undefined,
      onSettle: (listener) => {
        if (this.done) listener(this.#error, settledValue);
        else {
          this.#listeners ??= [];
          this.#listeners.push(listener);
        }
      },
    };
  }

  /** The request this future stands for. */
  get request(): RequestRef {
    return this.#request;
  }

  /** true once the future has a response or an error. */
  get done(): boolean {
    return this.#state === 'fulfilled' || this.#state === 'rejected';
  }

  /** true while the request is with a worker (sent, not settled). */
  get running(): boolean {
    return this.#state === 'running';
  }

  /** true when `cancel()` (or the request's signal) took effect. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** The error, once the future has failed; undefined otherwise. Reading it does not throw. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Cancels the request: a queued request is never sent, an in-flight one is aborted inside its worker
   * (the worker and its other requests go on). The future rejects with `TF_ERR_ABORTED`.
   * @returns true when the cancel took effect, false once the future is done.
   */
  cancel(reason?: unknown): boolean {
    if (this.done || !this[kControl].onCancel) return false;
    const took = this[kControl].onCancel(reason);
    if (took) this.#cancelled = true;
    return took;
  }

  /**
   * Waits for the response. With `timeoutMs`, rejects with `TF_ERR_RESULT_TIMEOUT` if the future is not
   * done by then; the request itself goes on.
   */
  result(timeoutMs?: number): Promise<R> {
    if (timeoutMs === undefined || this.done) return this.#promise;
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
      this.#promise.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  // biome-ignore lint/suspicious/noThenProperty: a Future is a thenable by design
  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B> {
    return this.#promise.catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<R> {
    return this.#promise.finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return `Future(${this.#state}${this.#cancelled ? ', cancelled' : ''})`;
  }
}

function noop(): void {}
