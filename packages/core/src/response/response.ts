/** The response a future resolves with, on the main thread. Headers and text are decoded on demand. */
import { STATUS_CODES } from 'node:http';
import { toHeaders } from '@threadfetch/worker';
import type { SuccessEnvelope } from '@threadfetch/worker/protocol';

/** Where the time went, in milliseconds, phase by phase. */
export interface Timings {
  /** Waiting on the main thread before being sent to a worker. */
  readonly queued: number;
  /** The hop into the worker, until it started the request. */
  readonly dispatched: number;
  /** From the worker starting the request to the response headers. */
  readonly headers: number;
  /** Reading the body. */
  readonly body: number;
  /**
   * Of `headers` and `body`, the time the request's worker spent running other requests' callbacks
   * (its event loop blocked, the response unread): a wait on a busy worker, not on the server.
   */
  readonly blocked: number;
  /** The background callback (0 without one). */
  readonly callback: number;
  /** The hop back to the main thread. */
  readonly returned: number;
  /** From the request call to the response on the main thread. */
  readonly total: number;
}

const decoder = new TextDecoder();
const empty = new Uint8Array(0);

export class Response<D = unknown> {
  /** The HTTP status code. */
  readonly status: number;
  readonly statusText: string;
  /** The final URL. */
  readonly url: string;
  /** true when the response came after following a redirect. */
  readonly redirected: boolean;
  /** The body bytes, transferred from the worker; empty (never undefined) when the body was dropped or saved. */
  readonly body: Uint8Array;
  /** What the background callback returned; undefined without one. */
  readonly data: D;
  readonly #rawHeaders: SuccessEnvelope['headers'];
  #headers: Headers | undefined;
  /** Epoch ms: the request made, sent to a worker (0: never queued apart), its result back. */
  readonly #created: number;
  readonly #sent: number;
  readonly #arrived: number;
  /** The worker's times, see WorkerTimes. */
  readonly #times: readonly number[];
  readonly #blocked: number;
  #timings: Timings | undefined;

  /**
   * @internal `url`: the request's (the envelope names the final URL only when it differs); `created`,
   * `sent`, `arrived`: epoch ms of the request made, sent to a worker, its result back.
   */
  constructor(envelope: SuccessEnvelope, url: string, created: number, sent: number, arrived: number) {
    this.#created = created;
    this.#sent = sent || created;
    this.#arrived = arrived;
    this.#times = envelope.times;
    this.#blocked = envelope.blocked ?? 0;
    this.status = envelope.status;
    this.statusText = envelope.statusText || STATUS_CODES[envelope.status] || '';
    this.url = envelope.url ?? url;
    this.redirected = envelope.redirected === true;
    this.body = envelope.body ?? empty;
    this.data = envelope.data as D;
    this.#rawHeaders = envelope.headers;
  }

  /** Where the time went, phase by phase; computed on first read. */
  get timings(): Timings {
    this.#timings ??= this.#computeTimings();
    return this.#timings;
  }

  /** true for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The response headers, built on first access. */
  get headers(): Headers {
    this.#headers ??= toHeaders(this.#rawHeaders);
    return this.#headers;
  }

  /** The body decoded as UTF-8, on the main thread. */
  text(): string {
    return decoder.decode(this.body);
  }

  #computeTimings(): Timings {
    const [received = 0, headers = 0, body = 0, callback = 0] = this.#times;
    const created = this.#created;
    const sent = this.#sent;
    const now = this.#arrived;
    return {
      queued: sent - created,
      dispatched: received - sent,
      headers: headers - received,
      body: body - headers,
      blocked: this.#blocked,
      callback: callback ? callback - body : 0,
      returned: now - (callback || body),
      total: now - created,
    };
  }

  /** The body parsed as JSON, on the main thread; prefer `background: 'json'` or a reducing callback for large bodies. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}
