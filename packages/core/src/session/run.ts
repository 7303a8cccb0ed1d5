/**
 * One session.run() on the main thread: waits for its future arguments, then runs as a job on the
 * executor's lanes (a spec with `run`), with a deadline, a signal and hooks as a request has.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { AbortedError, InvalidArgumentError, type RequestRef, TimeoutError } from '@threadfetch/worker';
import { type CancelReason, deserializeError, type RequestSpec, type ResultEnvelope } from '@threadfetch/worker/protocol';
import { type Endpoint, expose } from 'comlink';
import { type Executor, type Job, JobState } from '../executor/job.js';
import type { FutureControl, FutureOwner } from '../future/future.js';
import * as diagnostics from '../observe/diagnostics.js';
import { addDeadline, type Deadline, type Expiring, removeDeadline } from './deadlines.js';
import type { ResolvedSessionOptions } from './options.js';
import { checkHooks } from './request-options.js';
import { awaitArguments, movableArguments, type SettledArguments } from './run-args.js';
import { checkTimeout, show } from './validate.js';

/** Options of `session.runWith(options, name, ...args)`. */
export interface RunOptions {
  /**
   * Deadline in ms, counted from when the work is handed to the pool (its future arguments settled);
   * past it, the run fails with TF_ERR_TIMEOUT and `this.signal` aborts. `Infinity` for none.
   * @default the session's `timeout`
   */
  readonly timeout?: number;
  /** Cancels the run when aborted, as `future.cancel()` does. @default undefined */
  readonly signal?: AbortSignal;
  /** Functions the run may call on the main thread as `await this.hooks.name(...args)`. @default undefined */
  readonly hooks?: Readonly<Record<string, (...args: never[]) => unknown>>;
}

const runKeys = new Set(['timeout', 'signal', 'hooks']);

export class RunCall implements Job, FutureOwner, Expiring {
  spec: RequestSpec;
  readonly ref: RequestRef;
  state: JobState = JobState.queued;
  sentAt = 0;
  readonly #args: readonly unknown[];
  readonly #timeout: number;
  readonly #signal: AbortSignal | undefined;
  readonly #control: FutureControl<unknown>;
  readonly #executor: Executor;
  #port: MessagePort | undefined;
  #submitted = false;
  #stopWaiting: (() => void) | undefined;
  #deadline: Deadline | undefined;
  #onAbort: (() => void) | undefined;
  #onOver: ((run: RunCall) => void) | undefined;
  #isOver = false;

  /** Validates the name and options; throws InvalidArgumentError on bad input. */
  constructor(
    id: number,
    name: unknown,
    args: readonly unknown[],
    options: unknown,
    session: ResolvedSessionOptions,
    control: FutureControl<unknown>,
    executor: Executor,
  ) {
    if (typeof name !== 'string' || name === '')
      throw new InvalidArgumentError(`run(name): name must be the name of an export of the callbacks module, got ${show(name)}`);
    const o = (options ?? {}) as RunOptions;
    if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(`runWith(options): options must be an object, got ${show(o)}`);
    for (const key in o) if (!runKeys.has(key)) throw new InvalidArgumentError(`unknown run option "${key}"; allowed: ${[...runKeys].join(', ')}`);
    if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidArgumentError('signal must be an AbortSignal');
    const hooks = checkHooks(o.hooks);
    this.#timeout = checkTimeout(o.timeout, 'timeout') ?? session.timeout;
    this.#signal = o.signal;
    this.ref = { method: 'RUN', url: name };
    const run = { name, args: [], transfer: [], base: session.baseURL };
    this.spec = { id, method: 'RUN', url: name, headers: {}, transport: session.transport.spec, callbacks: session.callbacks, run };
    // Its follow-up requests go through the session's setup dispatcher, as a callback's do.
    if (session.setup !== undefined) this.spec = { ...this.spec, setup: session.setup };
    if (hooks) this.spec = { ...this.spec, hooks: this.#exposeHooks(hooks), hookNames: Object.keys(hooks) };
    this.#args = args;
    this.#control = control;
    this.#executor = executor;
  }

  /** Arms the signal and waits for the future arguments; the work goes to the executor once they are set. */
  start(): void {
    this.#control.owner = this;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#control.markCancelled();
      this.#control.reject(new AbortedError('run cancelled: its signal was already aborted', { cause: signal.reason, request: this.ref }));
      return;
    }
    if (signal) {
      this.#onAbort = () => this.abort(new AbortedError('run cancelled by its signal', { cause: signal.reason, request: this.ref }), 'cancel', true);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#stopWaiting = awaitArguments(this.#args, this.ref, (result) => (result instanceof Error ? this.#control.reject(result) : this.#submit(result)));
  }

  #submit(settled: SettledArguments): void {
    if (this.#control.done) return;
    try {
      const { args, transfer } = movableArguments(this.ref.url, settled);
      this.spec = { ...this.spec, run: { ...(this.spec.run as NonNullable<RequestSpec['run']>), args, transfer } };
    } catch (error) {
      this.#control.reject(error as Error);
      return;
    }
    this.#submitted = true;
    if (this.#timeout !== Number.POSITIVE_INFINITY) this.#deadline = addDeadline(this.#timeout, this);
    this.#executor.submit(this);
  }

  expire(): void {
    this.#deadline = undefined;
    this.abort(new TimeoutError(`run did not complete within ${this.#timeout} ms`, { request: this.ref }), 'timeout');
  }

  cancel(reason: unknown): boolean {
    return this.abort(new AbortedError('run cancelled', { cause: reason, request: this.ref }), 'cancel', true);
  }

  /** Stops the wait for arguments, or cancels through the executor, and rejects with `error`; false once finished. */
  abort(error: Error, reason: CancelReason, cancelled = false): boolean {
    if (this.#control.done) return false;
    if (this.#submitted ? !this.#executor.cancel(this, reason) : false) return false;
    this.#stopWaiting?.();
    if (cancelled) this.#control.markCancelled();
    this.#control.reject(error);
    return true;
  }

  finish(result: ResultEnvelope | Error): void {
    if (result instanceof Error) this.#control.reject(result);
    else if (!result.ok) this.#control.reject(deserializeError(result.error));
    else this.#control.resolve(result.data);
  }

  /** Runs report no progress. */
  progress(): void {}

  settled(error: Error | undefined): void {
    diagnostics.settled(this, error, undefined);
    this.#port?.close();
    this.#stopWaiting?.();
    if (this.#deadline) removeDeadline(this.#deadline);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#isOver = true;
    const listener = this.#onOver;
    this.#onOver = undefined;
    listener?.(this);
  }

  /** Runs `listener` once the run's future has settled. */
  onDone(listener: (run: RunCall) => void): void {
    if (this.#isOver) listener(this);
    else this.#onOver = listener;
  }

  #exposeHooks(hooks: NonNullable<RunOptions['hooks']>): MessagePort {
    const { port1, port2 } = new MessageChannel();
    expose(hooks, port1 as unknown as Endpoint);
    this.#port = port1;
    return port2;
  }
}
