/** FuturesSession options: their TSDoc, defaults and validation. */

import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@threadfetch/worker';
import { acceptEncoding } from '@threadfetch/worker/protocol';
import type { CookieJar } from 'tough-cookie';
import type { Executor } from '../executor/job.js';
import { type ExecutorOptions, executorOptionNames } from '../executor/options.js';
import { checkLogger, type Logger } from '../observe/logger.js';
import { type CookiesOption, resolveJar } from './cookies.js';
import { resolveTransport, type Transport, type TransportOptions, transportOptionNames } from './transport.js';
import { checkHeaders, checkQuery, checkTimeout, type HeadersInit, type QueryInit, show } from './validate.js';

/** Options of `new FuturesSession(options)`. */
export interface SessionOptions extends ExecutorOptions, TransportOptions {
  /**
   * The module whose named exports are background callbacks, loaded once in each worker: a file URL,
   * or a path (relative paths resolve against the current directory). @default undefined (built-ins only)
   */
  readonly callbacks?: URL | string;
  /**
   * A module each worker imports once, before its first request of this session: a file URL, or a
   * path (relative paths resolve against the current directory). Its optional `dispatcher` export is
   * called with the Agent threadfetch built for the request's connection settings and returns the
   * undici Dispatcher the session's requests go through in that worker (a MockAgent, interceptors, an
   * Agent of yours); threadfetch's retries, redirects and decompression stay above it.
   * @default undefined (no setup module)
   */
  readonly setup?: URL | string;
  /**
   * A pino-compatible logger (`trace`, `debug`, `info`, `warn`, `error`, each called as
   * `(object, message)`): structured records of each request's start, redirects, retries and end or
   * failure, and of the executor's worker threads starting, exiting, crashing and being terminated.
   * URLs are redacted; headers and bodies are never logged. @default undefined (no records)
   */
  readonly logger?: Logger;
  /** Base for relative request URLs. @default undefined (request URLs must be absolute) */
  readonly baseURL?: URL | string;
  /**
   * Headers sent with every request; request headers override them by name (case-insensitive), and
   * `undefined` removes one, the default `accept-encoding` included. @default { 'accept-encoding': 'gzip, deflate, br' } (and zstd where the runtime has it)
   */
  readonly headers?: HeadersInit;
  /** Query parameters added to every request; request `query` adds to them, `undefined` removes one. @default {} */
  readonly query?: QueryInit;
  /** Whole-request deadline in ms, from the call to the response (queue, HTTP, callback); `Infinity` for none. @default 30000 */
  readonly timeout?: number;
  /**
   * Run requests on this executor instead of a pool of the session's own (share `otherSession.executor`).
   * A session never shuts down an executor it did not create. Pool options may not be given with it.
   * @default undefined (the session creates its own ThreadExecutor)
   */
  readonly executor?: Executor;
  /**
   * A cookie jar kept on the main thread with RFC 6265 semantics (tough-cookie): `true` for a fresh
   * one, or a `CookieJar` of yours (any store, asynchronous ones included). Its cookies go with every
   * request, and every response's set-cookie goes into it, redirect hops and error statuses included.
   * Secure cookies go over https, and over http to loopback hosts only (as browsers do; a jar made with
   * `allowSecureOnLocal: false` keeps them for https). `session.cookieJar` is the jar. @default false (no jar)
   */
  readonly cookies?: CookiesOption;
}

export const sessionDefaults = Object.freeze({ timeout: 30_000 });

const sessionKeys = new Set(['callbacks', 'setup', 'logger', 'baseURL', 'headers', 'query', 'timeout', 'executor', 'cookies', ...transportOptionNames]);

export interface ResolvedSessionOptions {
  readonly callbacks: string | undefined;
  readonly setup: string | undefined;
  readonly logger: Logger | undefined;
  readonly baseURL: string | undefined;
  readonly headers: Record<string, string | undefined>;
  readonly query: Record<string, string | undefined>;
  readonly timeout: number;
  readonly transport: Transport;
  readonly executorOptions: ExecutorOptions;
  readonly cookieJar: CookieJar | undefined;
}

/** Validates constructor options at once; throws InvalidArgumentError (a TypeError) naming the option. */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('FuturesSession options must be an object');
  const executorOptions: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (executorOptionNames.has(key)) {
      if (options.executor !== undefined)
        throw new InvalidArgumentError(`options.${key} cannot be combined with options.executor: a shared executor keeps its own settings`);
      executorOptions[key] = options[key as keyof SessionOptions];
    } else if (!sessionKeys.has(key)) {
      throw new InvalidArgumentError(`unknown option "${key}"; allowed: ${[...sessionKeys, ...executorOptionNames].join(', ')}`);
    }
  }
  checkExecutor(options.executor);
  const headers = checkHeaders(options.headers, 'options.headers');
  // The default accept-encoding is a session header, so that `undefined` (session or request) removes it.
  if (!('accept-encoding' in headers)) headers['accept-encoding'] = acceptEncoding;
  return {
    callbacks: resolveModule(options.callbacks, 'callbacks'),
    setup: resolveModule(options.setup, 'setup'),
    logger: checkLogger(options.logger),
    baseURL: resolveBase(options.baseURL),
    headers,
    query: checkQuery(options.query, 'options.query'),
    timeout: checkTimeout(options.timeout, 'options.timeout') ?? sessionDefaults.timeout,
    transport: resolveTransport(options as Record<string, unknown>, undefined, 'options.'),
    executorOptions: executorOptions as ExecutorOptions,
    cookieJar: resolveJar(options.cookies),
  };
}

/** A module option (`callbacks`, `setup`) as the file: URL the workers import. */
function resolveModule(value: URL | string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw new InvalidArgumentError(`options.${name} must be a file: URL or a path, got ${value.href}`);
    return value.href;
  }
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`options.${name} must be a file: URL or a non-empty path`);
  if (value.startsWith('file:')) return new URL(value).href;
  return pathToFileURL(value).href;
}

function resolveBase(value: URL | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`options.baseURL must be an absolute http: or https: URL, got ${show(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`options.baseURL must use http: or https:, got ${url.protocol}`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** An executor is anything with the Executor contract's methods: not another session, the class, or `{}`. */
function checkExecutor(value: unknown): void {
  if (value === undefined) return;
  const methods = ['submit', 'cancel', 'destroy', 'stats'] as const;
  const missing = value !== null && typeof value === 'object' ? methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function') : methods;
  if (missing.length === 0) return;
  const hint = value !== null && typeof value === 'object' && 'executor' in value ? " (to share a session's threads, pass `session.executor`)" : '';
  const got =
    typeof value === 'function'
      ? `a function or class (${(value as { name?: string }).name || 'anonymous'}); pass an instance`
      : `missing ${missing.join(', ')}`;
  throw new InvalidArgumentError(`options.executor must be an Executor (submit, cancel, destroy and stats methods): ${got}${hint}`);
}
