/**
 * Phase timeouts that fire on time. undici runs connect, headers and body timeouts on its coarse
 * timers (a tick every half second): a timeout of 100 ms fires after about a second. Here they run on
 * Node's own timers: every connection, to an origin or to a proxy (one timer each), and the headers
 * and body timeouts of a request below {@link coarseFrom}, where a second late would be a large part
 * of the value (undici's own timers, then turned off for the request, keep the longer ones). Each
 * fails with undici's own error, so it reads as undici's would (failures.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { buildConnector, DecoratorHandler, type Dispatcher, errors } from 'undici';

/** From this many ms up, undici's coarse headers and body timers are precise enough (within 10 %). */
export const coarseFrom = 10_000;

/** undici's connector for `options`, with its connect timeout on a Node timer. */
export function preciseConnector(options: buildConnector.BuildOptions, timeout: number): buildConnector.connector {
  const connect = buildConnector({ ...options, timeout: 0 });
  return (opts, callback) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const socket = connect(opts, (error, connected) => {
      done = true;
      clearTimeout(timer);
      (callback as (error: Error | null, socket: Socket | null) => void)(error, connected);
    }) as unknown as Socket;
    if (!done) {
      timer = setTimeout(() => socket.destroy(new errors.ConnectTimeoutError(`connect timeout after ${timeout} ms (${opts.hostname}:${opts.port})`)), timeout);
    }
    return socket;
  };
}

type Dispatch = Dispatcher['dispatch'];
type Controller = Dispatcher.DispatchController;

/** The interceptor: requests with a short headers or body timeout get Node timers for them. */
export function phaseTimers(dispatch: Dispatch): Dispatch {
  return (opts, handler) => {
    const headersTimeout = short(opts.headersTimeout);
    const bodyTimeout = short(opts.bodyTimeout);
    if (headersTimeout === undefined && bodyTimeout === undefined) return dispatch(opts, handler);
    const own = {
      ...opts,
      ...(headersTimeout === undefined ? {} : { headersTimeout: 0 }),
      ...(bodyTimeout === undefined ? {} : { bodyTimeout: 0 }),
    };
    return dispatch(own, new TimedHandler(handler, headersTimeout, bodyTimeout) as unknown as Dispatcher.DispatchHandler);
  };
}

function short(ms: number | null | undefined): number | undefined {
  return typeof ms === 'number' && ms > 0 && ms < coarseFrom ? ms : undefined;
}

/** The handler API undici 7 dispatches with. */
interface Decorated {
  onRequestStart(controller: Controller, context: unknown): void;
  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void;
  onResponseData(controller: Controller, chunk: Buffer): void;
  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void;
  onResponseError(controller: Controller, error: Error): void;
}
/** undici's own base for handlers that wrap another (its types still describe the older handler API). */
const Decorator = DecoratorHandler as unknown as new (handler: Dispatcher.DispatchHandler) => Decorated;

/**
 * Runs a request's headers timer from the moment it is written until its response headers, then its
 * body timer, restarted by each chunk. A paused body (the reader applies backpressure) is not stalled:
 * its timer starts over, as undici's does not fire while paused.
 */
class TimedHandler extends Decorator {
  readonly #headersTimeout: number | undefined;
  readonly #bodyTimeout: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(handler: Dispatcher.DispatchHandler, headersTimeout: number | undefined, bodyTimeout: number | undefined) {
    super(handler);
    this.#headersTimeout = headersTimeout;
    this.#bodyTimeout = bodyTimeout;
  }

  override onRequestStart(controller: Controller, context: unknown): void {
    this.#clear();
    const ms = this.#headersTimeout;
    if (ms !== undefined) this.#timer = setTimeout(() => controller.abort(new errors.HeadersTimeoutError(`no headers within ${ms} ms`)), ms);
    super.onRequestStart(controller, context);
  }

  override onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    // 1xx informational responses come before the final headers: the headers timer goes on.
    if (statusCode >= 200) {
      this.#clear();
      const ms = this.#bodyTimeout;
      if (ms !== undefined) this.#timer = setTimeout(() => this.#bodyStalled(controller, ms), ms);
    }
    super.onResponseStart(controller, statusCode, headers, statusMessage);
  }

  override onResponseData(controller: Controller, chunk: Buffer): void {
    this.#timer?.refresh();
    super.onResponseData(controller, chunk);
  }

  override onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.#clear();
    super.onResponseEnd(controller, trailers);
  }

  override onResponseError(controller: Controller, error: Error): void {
    this.#clear();
    super.onResponseError(controller, error);
  }

  #bodyStalled(controller: Controller, ms: number): void {
    if (controller.paused) this.#timer?.refresh();
    else controller.abort(new errors.BodyTimeoutError(`the body stalled for ${ms} ms`));
  }

  #clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
