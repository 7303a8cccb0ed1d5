/** The response a background callback receives, and the context it runs in. */
import { STATUS_CODES } from 'node:http';
import type { Hooks } from './hooks.js';

/** A response as a background callback sees it, inside the worker. */
export interface BackgroundResponse {
  readonly status: number;
  readonly statusText: string;
  /** true for a 2xx status. */
  readonly ok: boolean;
  readonly headers: Headers;
  /** The final URL. */
  readonly url: string;
  readonly redirected: boolean;
  /** The whole body. */
  readonly body: Uint8Array;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The body parsed as JSON; throws a SyntaxError on bad JSON. */
  json<T = unknown>(): T;
}

/** A follow-up request made from inside a callback with `ctx.request`. */
export interface FollowUpRequest {
  /** Absolute, or relative to the URL of the response being processed. */
  readonly url: string | URL;
  /** The HTTP method. @default 'GET' */
  readonly method?: string;
  /** Headers of this request only: neither the session's nor the original request's are added. @default undefined */
  readonly headers?: Record<string, string>;
  /** A raw body; use `json` for JSON. @default undefined */
  readonly body?: string | Uint8Array;
  /** Sent as JSON with `content-type: application/json` unless set; not with `body`. @default undefined */
  readonly json?: unknown;
}

/** What a background callback gets beside the response. */
export interface CallbackContext {
  /** Aborted when the future is cancelled or its deadline passes. */
  readonly signal: AbortSignal;
  /**
   * The functions the caller passed as `hooks` on the request, run on the main thread:
   * `await ctx.hooks.note(x)`. Each call is a round trip (~0.1 ms); arguments and results are cloned.
   */
  readonly hooks: Hooks;
  /**
   * Makes a follow-up request from this worker, on its connection pool, and resolves with the whole
   * response; the main thread is not involved. It shares the signal (and so the deadline) of the request.
   */
  request(spec: FollowUpRequest): Promise<BackgroundResponse>;
}

/** A background callback: a named export of the callbacks module. */
export type BackgroundCallback<R = unknown> = (res: BackgroundResponse, ctx: CallbackContext) => R | Promise<R>;

/** What a streaming callback gets: the response head, and the body as it arrives. */
export interface StreamingBackgroundResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  /** The decoded body, chunk by chunk; not held in memory. What the callback leaves unread is discarded. */
  readonly body: AsyncIterable<Uint8Array>;
}

const streamingMark = Symbol.for('threadfetch.streaming');

/** A callback made with {@link streaming}. */
export type StreamingCallback<R = unknown> = ((res: StreamingBackgroundResponse, ctx: CallbackContext) => R | Promise<R>) & {
  readonly [streamingMark]: true;
};

/**
 * Marks a callback as streaming: it consumes the body as it arrives (hash, count lines, parse NDJSON)
 * in constant memory, whatever the body's size; `maxResponseSize` does not apply.
 * `export const lines = streaming(async (res) => { let n = 0; for await (const c of res.body) ...; return n; })`
 */
export function streaming<R>(fn: (res: StreamingBackgroundResponse, ctx: CallbackContext) => R | Promise<R>): StreamingCallback<R> {
  return Object.assign(fn, { [streamingMark]: true as const });
}

export function isStreaming(fn: unknown): fn is StreamingCallback {
  return typeof fn === 'function' && (fn as { [streamingMark]?: unknown })[streamingMark] === true;
}

const decoder = new TextDecoder();

/** Raw response parts, as read by the HTTP runtime. */
export interface RawResponse {
  readonly status: number;
  readonly statusText: string | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly url: string;
  readonly redirected: boolean;
  readonly body: Uint8Array;
}

export class WorkerResponse implements BackgroundResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly redirected: boolean;
  readonly body: Uint8Array;
  readonly rawHeaders: RawResponse['headers'];
  #headers: Headers | undefined;

  constructor(raw: RawResponse) {
    this.status = raw.status;
    this.statusText = raw.statusText || STATUS_CODES[raw.status] || '';
    this.url = raw.url;
    this.redirected = raw.redirected;
    this.body = raw.body;
    this.rawHeaders = raw.headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get headers(): Headers {
    this.#headers ??= toHeaders(this.rawHeaders);
    return this.#headers;
  }

  text(): string {
    return decoder.decode(this.body);
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** Builds a fetch `Headers` from undici's header record (repeated headers as arrays). */
export function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const v of value) headers.append(name, v);
  }
  return headers;
}
