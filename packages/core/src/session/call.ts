/** One request on the main thread: the job the executor runs, tied to its future, timer and signal. */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { AbortedError, CallbackError, HttpStatusError, NetworkError, type RequestRef, TimeoutError } from '@threadfetch/worker';
import {
  type CancelReason,
  deserializeError,
  epochNow,
  debugLog as log,
  type RequestSpec,
  type ResultEnvelope,
  type WorkerLog,
} from '@threadfetch/worker/protocol';
import { type Endpoint, expose } from 'comlink';
import type { CookieJar } from 'tough-cookie';
import { type Executor, type Job, JobState } from '../executor/job.js';
import type { FutureControl, FutureOwner } from '../future/future.js';
import * as diagnostics from '../observe/diagnostics.js';
import { type Logger, logEnd, logStart } from '../observe/logger.js';
import { Response } from '../response/response.js';
import { StreamReceiver } from '../response/stream-response.js';
import { exposeJar } from './cookies.js';
import { addDeadline, type Deadline, type Expiring, removeDeadline } from './deadlines.js';
import type { ResolvedSessionOptions } from './options.js';
import { type PreparedRequest, prepareRequest } from './request-options.js';

export class Call implements Job, FutureOwner, Expiring {
  readonly spec: RequestSpec;
  /** What errors name: the method and URL only, never headers or body. */
  readonly ref: RequestRef;
  #state: JobState = JobState.queued;
  sentAt = 0;
  readonly #created = epochNow();
  readonly #timeout: number;
  readonly #signal: AbortSignal | undefined;
  readonly #throwHttpErrors: boolean;
  readonly #control: FutureControl<unknown>;
  readonly #executor: Executor;
  readonly #prepared: PreparedRequest;
  #port: MessagePort | undefined;
  #jarPort: MessagePort | undefined;
  /** session.stream(): the main side of the body's port. */
  #stream: StreamReceiver | undefined;
  /** Told once the call is over: when its future settles, or for a stream, when its body is finished. */
  #onOver: ((call: Call) => void) | undefined;
  #isOver = false;
  #deadline: Deadline | undefined;
  #onAbort: (() => void) | undefined;
  readonly #logger: Logger | undefined;
  /** What the worker reported of the request, for the logger. */
  #workerLog: WorkerLog | undefined;

  /** Validates and merges the request; throws InvalidArgumentError on bad input. */
  constructor(
    id: number,
    method: unknown,
    url: unknown,
    options: Record<string, unknown> | undefined,
    session: ResolvedSessionOptions,
    ref: { method: string; url: string },
    control: FutureControl<unknown>,
    executor: Executor,
    stream = false,
  ) {
    const prepared = prepareRequest(id, method, url, options, session, ref);
    this.#prepared = prepared;
    let spec = stream || prepared.hooks ? { ...prepared.spec, stream: stream ? this.#openStream() : undefined, hooks: this.#exposeHooks() } : prepared.spec;
    if (session.cookieJar) spec = this.#withJar(spec, session.cookieJar);
    this.spec = spec;
    // prepareRequest has set it to the method and URL sent (the URL without credentials).
    this.ref = ref;
    this.#timeout = prepared.timeout;
    this.#signal = prepared.signal;
    this.#throwHttpErrors = prepared.throwHttpErrors;
    this.#control = control;
    this.#executor = executor;
    this.#logger = session.logger;
    if (this.#logger) logStart(this.#logger, this);
  }

  /** Arms the deadline and the signal, and hands the job to the executor. */
  start(): void {
    this.#control.owner = this;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#control.markCancelled();
      this.#control.reject(new AbortedError('request cancelled: its signal was already aborted', { cause: signal.reason, request: this.ref }));
      return;
    }
    if (this.#timeout !== Number.POSITIVE_INFINITY) this.#deadline = addDeadline(this.#timeout, this);
    if (signal) {
      this.#onAbort = () => this.abort(new AbortedError('request cancelled by its signal', { cause: signal.reason, request: this.ref }), 'cancel', true);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#executor.submit(this);
  }

  /** The deadline passed. */
  expire(): void {
    this.#deadline = undefined;
    this.abort(new TimeoutError(`request did not complete within ${this.#timeout} ms`, { request: this.ref }), 'timeout');
  }

  /** `future.cancel(reason)`: true when it took effect. */
  cancel(reason: unknown): boolean {
    return this.abort(new AbortedError('request cancelled', { cause: reason, request: this.ref }), 'cancel', true);
  }

  /** The future settled: diagnostics, then the deadline, signal, ports and streamed body are released. */
  settled(error: Error | undefined, value: unknown): void {
    diagnostics.settled(this, error, value);
    if (this.#logger) {
      const status = error instanceof HttpStatusError ? error.status : (value as { status?: number } | undefined)?.status;
      logEnd(this.#logger, this, error, status, epochNow() - this.#created, this.#workerLog);
    }
    this.#cleanup(error);
  }

  /** Download progress from the worker, passed to `onProgress`; a handler that throws fails the request. */
  progress(loaded: number, total: number | undefined): void {
    const onProgress = this.#prepared.onProgress;
    // A stream's reports come on its port, in order with its body: they count until its end.
    if (!onProgress || (this.#stream ? this.#stream.finished : this.state === JobState.finished)) return;
    try {
      onProgress({ loaded, total });
    } catch (error) {
      this.abort(new CallbackError(`onProgress threw: ${(error as Error)?.message ?? error}`, { cause: error, request: this.ref }), 'cancel');
    }
  }

  /**
   * Cancels through the executor and rejects the future with `error`; false when already finished.
   * `cancelled` marks the future cancelled (cancel() or the signal), as opposed to failed (deadline, onProgress).
   */
  abort(error: Error, reason: CancelReason, cancelled = false): boolean {
    const stream = this.#stream;
    // A stream's worker may be done while its body is still on the way: that body can still be failed.
    if (!this.#executor.cancel(this, reason) && !(stream && !stream.finished)) return false;
    if (log.enabled) log('request %d %s: %s', this.spec.id, reason, (error as { code?: string }).code ?? error.message);
    if (cancelled) this.#control.markCancelled();
    this.#control.reject(error);
    // A stream whose future resolved at its head: its body errors with the same error.
    stream?.fail(error);
    return true;
  }

  /**
   * Runs `listener` once the call is over: when its future settles, or, for `session.stream()`, once
   * the body ended, errored or was cancelled (a resolved stream is still being read). Sessions drain on this.
   */
  onDone(listener: (call: Call) => void): void {
    if (this.#isOver) listener(this);
    else this.#onOver = listener;
  }

  finish(result: ResultEnvelope | Error): void {
    if (this.#logger && !(result instanceof Error)) this.#workerLog = result.log;
    const stream = this.#stream;
    if (stream) {
      // Errors raised on the main thread (a crash, the pool shut down) fail the body too. The worker's
      // result is only a fallback: the stream port carries the head, the body and its end or error.
      if (result instanceof Error) stream.fail(result);
      else stream.settle(result.ok ? new NetworkError('the worker closed the stream before its end', { request: this.ref }) : deserializeError(result.error));
      return;
    }
    if (result instanceof Error) {
      this.#control.reject(result);
      return;
    }
    if (!result.ok) {
      this.#control.reject(deserializeError(result.error));
      return;
    }
    const res = new Response(result, this.spec.url, this.#created, this.sentAt, epochNow());
    if (this.#throwHttpErrors && res.status >= 400) {
      const bodyExcerpt = res.body.byteLength > 0 ? new TextDecoder().decode(res.body.subarray(0, 4096)).slice(0, 1024) : '';
      this.#control.reject(
        new HttpStatusError(`HTTP ${res.status} ${res.statusText}`, { request: { method: this.spec.method, url: res.url }, status: res.status, bodyExcerpt }),
      );
      return;
    }
    this.#control.resolve(res);
  }

  get state(): JobState {
    return this.#state;
  }

  /** The executor moves the job along; the future reports `running` once it is sent. */
  set state(next: JobState) {
    this.#state = next;
    if (next === JobState.inflight) this.#control.setRunning();
  }

  /** The worker's side of a comlink channel exposing the caller's hooks; ours closes when the request settles. */
  #exposeHooks(): MessagePort | undefined {
    const hooks = this.#prepared.hooks;
    if (!hooks) return undefined;
    const { port1, port2 } = new MessageChannel();
    expose(hooks, port1 as unknown as Endpoint);
    this.#port = port1;
    return port2;
  }

  /** The jar's port goes with the request; the cookie header is the worker's to set, hop by hop. */
  #withJar(spec: RequestSpec, jar: CookieJar): RequestSpec {
    const { cookie: explicit, ...headers } = spec.headers;
    const [local, remote] = exposeJar(jar, explicit, this.#prepared.cookies, new URL(spec.url).origin);
    this.#jarPort = local;
    return { ...spec, headers, cookies: remote };
  }

  /**
   * For session.stream(): the future resolves with the head; the body and progress follow on the port.
   * The call is over when the stream is; a future rejected any other way (its signal, the queue) ends it.
   */
  #openStream(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.#stream = new StreamReceiver(port1, {
      head: (res) => this.#control.resolve(res as never),
      error: (error) => this.#control.reject(error),
      progress: (loaded, total) => this.progress(loaded, total),
      done: () => this.#over(),
    });
    return port2;
  }

  #over(): void {
    if (this.#isOver) return;
    this.#isOver = true;
    const listener = this.#onOver;
    this.#onOver = undefined;
    listener?.(this);
  }

  #cleanup(error: Error | undefined): void {
    // A streamed body never handed to a worker (cancelled or timed out in the queue): its source is
    // cancelled, so a file or socket behind it is released. Once transferred it is locked: the worker's.
    const body = this.spec.body;
    if (body instanceof ReadableStream && !body.locked) body.cancel().catch(() => undefined);
    this.#port?.close();
    this.#jarPort?.close();
    if (this.#deadline) removeDeadline(this.#deadline);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    // A stream rejected before its head (its signal, the queue, a failure) is over; one resolved goes on.
    if (!this.#stream) this.#over();
    else if (error) this.#stream.fail(error);
  }
}
