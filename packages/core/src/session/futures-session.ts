/** FuturesSession: the public entry point. Validates, merges defaults, and turns requests into futures. */
import { AbortedError, InvalidArgumentError, SessionClosedError } from '@threadfetch/worker';
import { debugLog as log, redactUrl } from '@threadfetch/worker/protocol';
import type { CookieJar } from 'tough-cookie';
import type { Executor } from '../executor/job.js';
import type { ExecutorStats } from '../executor/stats.js';
import { ThreadExecutor } from '../executor/thread-executor.js';
import { Future, type FutureControl, kControl } from '../future/future.js';
import * as diagnostics from '../observe/diagnostics.js';
import { logWorkers } from '../observe/logger.js';
import type { StreamResponse } from '../response/stream-response.js';
import { Call } from './call.js';
import type { AnyCallbacks, BackgroundName, CallbackNames, DataOf, RunArgs, RunResult } from './callback-types.js';
import { type ResolvedSessionOptions, resolveSessionOptions, type SessionOptions } from './options.js';
import type { RequestInit, RequestOptions } from './request-options.js';
import { RunCall, type RunOptions } from './run.js';
import { text } from './validate.js';

let nextId = 1;
const closeWarnAfterMs = 10_000;

/** Options of {@link FuturesSession.close}. */
export interface CloseOptions {
  /** Abort everything queued or in flight at once (futures reject with TF_ERR_ABORTED). @default false */
  readonly force?: boolean;
  /** Milliseconds to drain before aborting what is left. @default undefined (drain fully) */
  readonly timeout?: number;
  /**
   * Milliseconds of draining after which a process warning (code `TF_WARN_CLOSE_WAITING`) names what
   * close() still waits for: most often a `session.stream()` body nobody reads or cancels. Infinity
   * never warns. @default 10000
   */
  readonly warnAfter?: number;
}

type Opts<M, B extends BackgroundName<M> | undefined> = RequestOptions<M, B>;

/** A request or a run not yet over, as the session tracks it for close(). */
type Pending = Call | RunCall;

/**
 * A session: default settings, a pool of worker threads, and methods that return futures at once.
 * `M` is the type of the callbacks module (`typeof import('./callbacks.js')`), which types
 * `background` names and `res.data`.
 */
export class FuturesSession<M = AnyCallbacks> {
  /** The executor running this session's requests; pass it to other sessions to share its threads. */
  readonly executor: Executor;
  readonly #options: ResolvedSessionOptions;
  readonly #ownsExecutor: boolean;
  readonly #pending = new Set<Pending>();
  #drained: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  /** Stops logging the executor's worker events, at the end of close(). */
  #stopLogging: (() => void) | undefined;
  /** A call is over: no longer pending; close() may be waiting for the last one. One function for all calls. */
  readonly #callOver = (call: Pending): void => {
    this.#pending.delete(call);
    if (this.#pending.size === 0 && this.#drained.length > 0) for (const done of this.#drained.splice(0)) done();
  };

  constructor(options: SessionOptions = {}) {
    this.#options = resolveSessionOptions(options);
    this.#ownsExecutor = options.executor === undefined;
    this.executor = options.executor ?? new ThreadExecutor(this.#options.executorOptions);
    const { logger } = this.#options;
    if (logger) this.#stopLogging = logWorkers(logger, this.executor);
  }

  /** The session's cookie jar (tough-cookie), when made with `cookies`; undefined otherwise. */
  get cookieJar(): CookieJar | undefined {
    return this.#options.cookieJar;
  }

  /** true once `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Requests of this session not yet settled. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * What the executor is doing and has done: queued, in flight, completed, failed, cancelled, crash
   * retries, per-worker load and latency percentiles (executor-wide when it is shared), plus this
   * session's own `pending` count.
   */
  stats(): ExecutorStats & { readonly pending: number } {
    return { ...this.executor.stats(), pending: this.#pending.size };
  }

  get<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('GET', url, options);
  }
  post<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('POST', url, options);
  }
  put<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('PUT', url, options);
  }
  patch<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('PATCH', url, options);
  }
  delete<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('DELETE', url, options);
  }
  head<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('HEAD', url, options);
  }
  options<B extends BackgroundName<M> | undefined = undefined>(url: string | URL, options?: Opts<M, B>): Future<DataOf<M, B>> {
    return this.#submit('OPTIONS', url, options);
  }

  /**
   * Resolves when the response headers arrive, with `body` a ReadableStream fed by chunks transferred
   * from the worker, with backpressure. `timeout` covers the wait for the headers; `bodyTimeout` the
   * stalls after. Any method: `stream(url, { method: 'POST', json })`. Not with `background` or `saveTo`.
   */
  stream(url: string | URL, options?: RequestOptions<M, undefined> & { readonly method?: string }): Future<undefined, StreamResponse> {
    const { method = 'GET', ...rest } = options ?? {};
    const refused =
      (rest as { background?: unknown }).background !== undefined ? 'background' : (rest as { saveTo?: unknown }).saveTo !== undefined ? 'saveTo' : undefined;
    if (refused !== undefined) {
      const instead = refused === 'background' ? 'use a streaming callback with get() instead' : 'use get() with saveTo, or write the stream yourself';
      const future = new Future<undefined, StreamResponse>({ method: text(method), url: text(url) });
      future[kControl].reject(new InvalidArgumentError(`stream() does not take ${refused}; ${instead} (${text(method)} ${text(url)})`));
      return future;
    }
    return this.#submit(method, url, rest, true) as unknown as Future<undefined, StreamResponse>;
  }

  /** Any method: `request({ method: 'PATCH', url, json })`. */
  request<B extends BackgroundName<M> | undefined = undefined>(init: RequestInit<M, B>): Future<DataOf<M, B>> {
    if (init === null || typeof init !== 'object') {
      const future = new Future<DataOf<M, B>>({ method: 'GET', url: text(init) });
      future[kControl].reject(new InvalidArgumentError('request(init) needs an object with at least { url }'));
      return future;
    }
    const { method = 'GET', url, ...rest } = init;
    return this.#submit(method, url, rest as Opts<M, B>);
  }

  #submit<D>(method: unknown, url: unknown, options: unknown, stream = false): Future<D> {
    const ref: { method: string; url: string } = { method: text(method), url: text(url) };
    const future = new Future<D>(ref);
    const control = future[kControl];
    if (this.#closing) {
      control.reject(new SessionClosedError('the session is closed', { request: ref }));
      return future;
    }
    let call: Call;
    try {
      call = new Call(
        nextId++,
        method,
        url,
        options as Record<string, unknown> | undefined,
        this.#options,
        ref,
        control as FutureControl<unknown>,
        this.executor,
        stream,
      );
    } catch (error) {
      const e = error instanceof Error ? error : new InvalidArgumentError(text(error));
      // ref.url is the URL as given until it is parsed: credentials in it show as [redacted].
      if (e instanceof InvalidArgumentError && e.request === undefined)
        Object.defineProperty(e, 'request', { value: { method: ref.method, url: redactUrl(ref.url) } });
      if (e instanceof InvalidArgumentError) e.message = redactUrl(`${e.message} (${ref.method} ${ref.url})`);
      control.reject(e);
      return future;
    }
    this.#pending.add(call);
    diagnostics.created(call);
    // Pending until the call is over: a stream resolves at its head, and close() drains its body too.
    call.onDone(this.#callOver);
    if (log.enabled) log('request %d %s %s', call.spec.id, call.spec.method, redactUrl(call.spec.url));
    call.start();
    return future;
  }

  /**
   * Runs the callbacks module's export `name` on a worker thread with `args` and returns the future of
   * its awaited value (asynckit's `pool.do`). Futures among the arguments are awaited first and
   * replaced by their values (a request's as a ResponseSnapshot); one that fails fails the run with
   * TF_ERR_DEPENDENCY_FAILED and it never runs. The function gets a RunContext as `this`.
   */
  run<N extends CallbackNames<M>>(name: N, ...args: RunArgs<M, N>): Future<undefined, RunResult<M, N>> {
    return this.#run(undefined, name, args);
  }

  /** {@link run} with a deadline, a signal or hooks: `runWith({ timeout: 5_000 }, 'reduce', data)`. */
  runWith<N extends CallbackNames<M>>(options: RunOptions, name: N, ...args: RunArgs<M, N>): Future<undefined, RunResult<M, N>> {
    return this.#run(options, name, args);
  }

  #run<R>(options: unknown, name: unknown, args: readonly unknown[]): Future<undefined, R> {
    const future = new Future<undefined, R>({ method: 'RUN', url: text(name) });
    const control = future[kControl];
    if (this.#closing) {
      control.reject(new SessionClosedError('the session is closed', { request: future.request }));
      return future;
    }
    let run: RunCall;
    try {
      run = new RunCall(nextId++, name, args, options, this.#options, control as FutureControl<unknown>, this.executor);
    } catch (error) {
      control.reject(error as Error);
      return future;
    }
    this.#pending.add(run);
    diagnostics.created(run);
    run.onDone(this.#callOver);
    run.start();
    return future;
  }

  /**
   * Stops taking requests (they reject with TF_ERR_SESSION_CLOSED), waits for pending ones, then shuts
   * the pool down if the session created it. `force` aborts pending requests; `timeout` drains for at
   * most that long, then aborts. Calling it again returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const problem = checkCloseOptions(options);
    if (problem) return Promise.reject(new InvalidArgumentError(problem));
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions): Promise<void> {
    const { force = false, timeout, warnAfter = closeWarnAfterMs } = options;
    if (force) this.#abortAll();
    else if (this.#pending.size > 0) {
      const drained = new Promise<void>((resolve) => this.#drained.push(resolve));
      const warning = warnAfter < (timeout ?? Number.POSITIVE_INFINITY) ? setTimeout(() => this.#warnWaiting(warnAfter), warnAfter) : undefined;
      drained.then(() => clearTimeout(warning));
      if (timeout === undefined) await drained;
      else {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<'expired'>((resolve) => {
          timer = setTimeout(resolve, timeout, 'expired');
        });
        const outcome = await Promise.race([drained, expired]);
        clearTimeout(timer);
        if (outcome === 'expired') this.#abortAll();
      }
    }
    if (this.#ownsExecutor) await this.executor.destroy();
    this.#stopLogging?.();
  }

  /** close() has drained for `ms` and still waits: says for what, as a process warning and a debug line. */
  #warnWaiting(ms: number): void {
    const calls = [...this.#pending];
    const streams = calls.filter((call) => call.spec.stream !== undefined).length;
    const named = calls
      .slice(0, 3)
      .map((call) => `${call.spec.method} ${redactUrl(call.spec.url)}`)
      .join(', ');
    const message =
      `session.close() has waited ${ms} ms for ${calls.length} request(s), ${streams} of them session.stream() ` +
      `bodies not yet read to their end or cancelled (${named}${calls.length > 3 ? ', ...' : ''}); ` +
      'read or cancel each stream body, or pass close({ timeout }) or close({ force: true })';
    log('%s', message);
    process.emitWarning(message, { code: 'TF_WARN_CLOSE_WAITING' });
  }

  #abortAll(): void {
    for (const call of [...this.#pending]) call.abort(new AbortedError('aborted by session.close()', { request: call.ref }), 'close');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** What is wrong with close()'s options, if anything. */
function checkCloseOptions(options: unknown): string | undefined {
  if (options === null || typeof options !== 'object') return `close() options must be an object, got ${text(options)}`;
  const { force, timeout, warnAfter, ...rest } = options as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `unknown close() option "${unknown[0]}"; allowed: force, timeout, warnAfter`;
  if (force !== undefined && typeof force !== 'boolean') return `close() option force must be a boolean, got ${text(force)}`;
  for (const [name, value] of [
    ['timeout', timeout],
    ['warnAfter', warnAfter],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0))
      return `close() option ${name} must be a non-negative number of ms, got ${text(value)}`;
  }
  return undefined;
}
