/** Per-request options, their validation, and the merge with session defaults into a wire spec. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { InvalidArgumentError } from '@threadfetch/worker';
import type { RequestSpec, SaveSpec } from '@threadfetch/worker/protocol';
import type { AnyCallbacks, BackgroundName } from './callback-types.js';
import { renderCookies, withCookies } from './cookies.js';
import type { ResolvedSessionOptions } from './options.js';
import { type BodyInit, bufferedBodies, encodeBody } from './request-body.js';
import { hasTransportOptions, resolveTransport, type TransportOptions, transportOptionNames } from './transport.js';
import {
  applyQuery,
  checkHeaders,
  checkMethod,
  checkQuery,
  checkTimeout,
  type HeadersInit,
  isPlainRecord,
  kind,
  type QueryInit,
  show,
  takeCredentials,
} from './validate.js';

/** Options of one request. Unknown options are bad input. */
export interface RequestOptions<M = AnyCallbacks, B extends BackgroundName<M> | undefined = BackgroundName<M> | undefined> extends TransportOptions {
  /** Query parameters (a plain record, Map or URLSearchParams), added to the URL's own and the session's (`undefined` removes a session one). @default undefined */
  readonly query?: QueryInit;
  /** Headers (a plain record, Map, `[name, value]` pairs or any Headers), merged over the session's by case-insensitive name (`undefined` removes one). @default undefined */
  readonly headers?: HeadersInit;
  /** A value sent as JSON, with `content-type: application/json` unless set. Not with `body`. @default undefined */
  readonly json?: unknown;
  /** A form sent urlencoded (`application/x-www-form-urlencoded`): a plain record or Map of strings, numbers or booleans, or URLSearchParams. Not with `json` or `body`. @default undefined */
  readonly form?: URLSearchParams | ReadonlyMap<string, string | number | boolean> | Readonly<Record<string, string | number | boolean>>;
  /**
   * Cookies for this request only, added to the jar's (or to a `cookie` header, or sent alone): a
   * record of names to values, to the request's own origin only (not to a redirect target on another
   * origin). One of the same name as a jar's or header's cookie replaces it. An explicit `cookie`
   * header is sent instead of the jar's cookies. @default undefined
   */
  readonly cookies?: Readonly<Record<string, string>>;
  /**
   * A raw body: string, bytes, ArrayBuffer, URLSearchParams (sent urlencoded), FormData (multipart,
   * with Blob and File parts, files from `fs.openAsBlob` included: encoded here and read whole by the
   * worker, so redirects and retries send it again), a Blob or File (sent with its size as content-length and its type as
   * content-type unless set, read as it is sent: a streamed body, as below), or a ReadableStream or async iterable of bytes or strings: a streamed
   * upload, handed to the worker and never buffered on the main thread; it cannot be replayed, so its
   * redirects are returned as they are and retries do not apply. A request that ends before its body
   * was read whole (cancelled, timed out, failed) cancels the source. Not with `json`. @default undefined
   */
  readonly body?: BodyInit;
  /** Whole-request deadline in ms, overriding the session's; `Infinity` for none. @default the session's timeout */
  readonly timeout?: number;
  /** Cancels the request when aborted, as `future.cancel()` does. @default undefined */
  readonly signal?: AbortSignal;
  /** Callback run in the worker on the response: `json`, `text`, or an export of the callbacks module. @default undefined */
  readonly background?: B;
  /** false drops the body in the worker after the callback, so it never crosses threads (`res.body` is empty). @default true */
  readonly keepBody?: boolean;
  /** Called on the main thread as the body downloads, at most every 100 ms and once at the end. @default undefined */
  readonly onProgress?: (progress: Progress) => void;
  /**
   * Write the body to this file (path or file: URL) from the worker; `res.body` is empty. Not with
   * `background`, streaming callbacks included (one can write the file itself). @default undefined
   */
  readonly saveTo?: string | URL;
  /** Functions callbacks may call on the main thread as `await ctx.hooks.name(...args)` (through comlink). @default undefined */
  readonly hooks?: Readonly<Record<string, (...args: never[]) => unknown>>;
}

/** Download progress: bytes read so far, and the total when the server announced it (and did not compress). */
export interface Progress {
  readonly loaded: number;
  readonly total: number | undefined;
}

/** `request()` takes the method and URL in the options. */
export type RequestInit<M = AnyCallbacks, B extends BackgroundName<M> | undefined = BackgroundName<M> | undefined> = RequestOptions<M, B> & {
  /** The HTTP method. @default 'GET' */
  readonly method?: string;
  /** The URL, absolute or relative to the session's `baseURL`. Required. */
  readonly url: string | URL;
};

const requestKeys = new Set([
  'query',
  'headers',
  'json',
  'form',
  'cookies',
  'body',
  'timeout',
  'signal',
  'background',
  'keepBody',
  'onProgress',
  'saveTo',
  'hooks',
  ...transportOptionNames,
]);
const allowed = [...requestKeys].join(', ');

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A validated request, ready for the executor. */
export interface PreparedRequest {
  readonly spec: RequestSpec;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly throwHttpErrors: boolean;
  readonly onProgress: ((progress: Progress) => void) | undefined;
  readonly hooks: Readonly<Record<string, (...args: never[]) => unknown>> | undefined;
  /** The request's own cookies, rendered (`a=1; b=2`); already in the cookie header when the session has no jar. */
  readonly cookies: string | undefined;
}

/** Validates and merges; throws InvalidArgumentError. `ref` is filled as soon as method and URL are known. */
export function prepareRequest(
  id: number,
  methodIn: unknown,
  urlIn: unknown,
  options: Record<string, unknown> | undefined,
  session: ResolvedSessionOptions,
  ref: { method: string; url: string },
): PreparedRequest {
  const method = checkMethod(methodIn);
  ref.method = method;
  const o = options ?? noOptions;
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(`request options must be an object, got ${show(o)}`);
  for (const key in o) {
    if (!requestKeys.has(key)) throw new InvalidArgumentError(`unknown request option "${key}"; allowed: ${allowed}`);
  }
  const query = o.query === undefined ? session.query : { ...session.query, ...checkQuery(o.query as QueryInit, 'query') };
  let href = resolveHref(urlIn, session.baseURL, query, ref);
  // Credentials in the URL go as HTTP Basic; the URL itself, in errors, logs and diagnostics, has none.
  const credentials = href.includes('@') ? takeCredentials(href) : undefined;
  if (credentials) {
    href = credentials.href;
    ref.url = href;
  }
  const headers: Record<string, string> = Object.create(null);
  const merged = o.headers === undefined ? session.headers : { ...session.headers, ...checkHeaders(o.headers as HeadersInit, 'headers') };
  for (const name in merged) {
    const value = merged[name];
    if (value !== undefined) headers[name] = value;
  }
  const transport = options !== undefined && hasTransportOptions(o) ? resolveTransport(o, session.transport, '') : session.transport;
  if (transport.authorization !== undefined && headers.authorization === undefined) headers.authorization = transport.authorization;
  if (credentials && headers.authorization === undefined) headers.authorization = credentials.authorization;
  const cookies = renderCookies(o.cookies);
  if (cookies !== undefined && session.cookieJar === undefined) headers.cookie = withCookies(headers.cookie, cookies);
  if (o.json !== undefined && o.form !== undefined) throw new InvalidArgumentError('json and form cannot both be given; pick one');
  const body = encodeBody(o.json, o.form === undefined ? o.body : encodeForm(o.form, o.body), headers);
  const timeout = checkTimeout(o.timeout, 'timeout') ?? session.timeout;
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('signal must be an AbortSignal');
  const background = o.background;
  if (background !== undefined && (typeof background !== 'string' || background === '')) {
    throw new InvalidArgumentError(`background must be the name of a callback (json, text, or an export of the callbacks module), got ${show(background)}`);
  }
  const onProgress = o.onProgress as PreparedRequest['onProgress'];
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new InvalidArgumentError('onProgress must be a function');
  const hooks = checkHooks(o.hooks);
  const keepBody = o.keepBody ?? true;
  if (typeof keepBody !== 'boolean') throw new InvalidArgumentError(`keepBody must be a boolean, got ${show(keepBody)}`);
  // Only what this request needs: each key is sent and read back in the worker.
  const spec: Writable<RequestSpec> = { id, method, url: href, headers, transport: transport.spec };
  if (body !== undefined) spec.body = body;
  if (session.setup !== undefined) spec.setup = session.setup;
  if (session.logger !== undefined) spec.log = true;
  if (body instanceof ReadableStream && bufferedBodies.has(body)) spec.bufferBody = true;
  if (background !== undefined) {
    spec.background = background;
    spec.callbacks = session.callbacks;
  }
  if (!keepBody) spec.keepBody = false;
  if (onProgress !== undefined) spec.progress = true;
  if (o.saveTo !== undefined) spec.saveTo = saveTarget(savePath(o.saveTo), id);
  if (hooks) spec.hookNames = Object.keys(hooks);
  return {
    spec,
    timeout,
    signal,
    throwHttpErrors: transport.throwHttpErrors,
    onProgress,
    hooks,
    cookies,
  };
}

/** No request options: one shared empty object. */
const noOptions: Record<string, unknown> = Object.freeze({});

/**
 * Resolved string URLs without query parameters to add, by base (`''` for none), then by URL: parsing
 * a URL is the costliest check. Two lookups of strings as given, no key to build per request.
 */
const resolvedHrefs = new Map<string, Map<string, string>>();
let resolvedCount = 0;

/** The request's URL, resolved against the base, with the query added; `ref.url` follows it for errors. */
function resolveHref(value: unknown, base: string | undefined, query: Record<string, string | undefined>, ref: { url: string }): string {
  let plain = typeof value === 'string';
  for (const name in query) if (query[name] !== undefined) plain = false;
  const cache = plain ? resolvedHrefs.get(base ?? '') : undefined;
  const known = cache?.get(value as string);
  if (known !== undefined) {
    ref.url = known;
    return known;
  }
  const url = resolveUrl(value, base);
  ref.url = url.href;
  applyQuery(url, query);
  ref.url = url.href;
  if (plain) {
    if (resolvedCount >= 1024) {
      resolvedHrefs.clear();
      resolvedCount = 0;
    }
    let byBase = resolvedHrefs.get(base ?? '');
    if (!byBase) {
      byBase = new Map();
      resolvedHrefs.set(base ?? '', byBase);
    }
    byBase.set(value as string, url.href);
    resolvedCount += 1;
  }
  return url.href;
}

function resolveUrl(value: unknown, base: string | undefined): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) throw new InvalidArgumentError(`url must be a string or a URL, got ${typeof value}`);
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new InvalidArgumentError(
      base ? `url ${show(value)} is not valid against baseURL ${base}` : `url ${show(value)} is not an absolute URL (set baseURL for relative ones)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`url must use http: or https:, got ${url.protocol}`);
  return url;
}

function encodeForm(form: unknown, body: unknown): URLSearchParams {
  if (body !== undefined) throw new InvalidArgumentError('form and body cannot both be given; pick one');
  if (form instanceof URLSearchParams) return form;
  let entries: Iterable<readonly [unknown, unknown]>;
  if (isPlainRecord(form)) entries = Object.entries(form);
  else if (form instanceof Map) entries = form;
  else throw new InvalidArgumentError(`form must be a plain record of strings, numbers or booleans, a Map or URLSearchParams, got ${kind(form)}`);
  const params = new URLSearchParams();
  for (const [name, value] of entries) {
    if (typeof name !== 'string') throw new InvalidArgumentError(`form: field names must be strings, got ${show(name)}`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InvalidArgumentError(`form.${name} must be a string, number or boolean, got ${typeof value}`);
    }
    params.append(name, String(value));
  }
  return params;
}

/**
 * The file and its temporary sibling, named here (process, thread and request id make it unique) so
 * that the executor can remove it when the worker writing it dies.
 */
function saveTarget(path: string | undefined, id: number): SaveSpec | undefined {
  return path === undefined ? undefined : { path, partial: `${path}.${process.pid}.${threadId}.${id}.partial` };
}

function savePath(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let path: string;
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw new InvalidArgumentError(`saveTo must be a path or a file: URL, got ${value.href}`);
    try {
      path = fileURLToPath(value);
    } catch (error) {
      throw new InvalidArgumentError(`saveTo: ${value.href} is not the file: URL of a local path (${(error as Error).message})`, { cause: error });
    }
  } else {
    if (typeof value !== 'string' || value === '') throw new InvalidArgumentError('saveTo must be a non-empty path or a file: URL');
    path = resolve(value);
  }
  // Node refuses such a path only when the worker opens it, after the request was sent.
  if (path.includes('\0')) throw new InvalidArgumentError('saveTo must be a path without NUL bytes (\\0); no file name can hold one');
  return path;
}

export function checkHooks(value: unknown): PreparedRequest['hooks'] {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('hooks must be an object of functions');
  for (const [name, fn] of Object.entries(value)) {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`hooks.${name} must be a function, got ${typeof fn}`);
  }
  return value as PreparedRequest['hooks'];
}
