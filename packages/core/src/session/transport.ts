/** Options that set how requests are carried (redirects, limits, per-phase timeouts, auth); session defaults, request overrides. */
import { InvalidArgumentError } from '@threadfetch/worker';
import type { TransportSpec } from '@threadfetch/worker/protocol';
import { checkProxy, checkRetry, checkTls, type RetryOptions, type TlsOptions } from './connection.js';
import { show } from './validate.js';

/** Credentials: HTTP Basic (`username`/`password`) or a bearer token. */
export type Auth = { readonly username: string; readonly password: string } | { readonly bearer: string };

/** Options accepted both by the session (as defaults) and by each request (overriding them). */
export interface TransportOptions {
  /** `'manual'` returns 3xx responses as they are instead of following them. @default 'follow' */
  readonly redirect?: 'follow' | 'manual';
  /** Redirects followed before failing with TF_ERR_TOO_MANY_REDIRECTS. @default 20 */
  readonly maxRedirects?: number;
  /** Most body bytes accepted, counted after decompression; past it, TF_ERR_RESPONSE_TOO_LARGE. @default 67108864 (64 MiB) */
  readonly maxResponseSize?: number;
  /** ms to establish a connection (TF_ERR_CONNECT_TIMEOUT). @default 10000 */
  readonly connectTimeout?: number;
  /** ms from sending the request to its response headers (TF_ERR_HEADERS_TIMEOUT). @default 300000 */
  readonly headersTimeout?: number;
  /** ms the body may stall between chunks (TF_ERR_BODY_TIMEOUT). @default 300000 */
  readonly bodyTimeout?: number;
  /** Reject HTTP statuses of 400 and up with TF_ERR_HTTP_STATUS instead of resolving. @default false */
  readonly throwHttpErrors?: boolean;
  /** Sets `authorization`: Basic for `{ username, password }`, Bearer for `{ bearer }`. @default undefined */
  readonly auth?: Auth;
  /** TLS settings for https: URLs; certificates are always verified unless `rejectUnauthorized: false`. @default Node's defaults */
  readonly tls?: TlsOptions;
  /** Offer HTTP/2 (ALPN) on https: connections; servers that decline get HTTP/1.1. @default false */
  readonly http2?: boolean;
  /** A proxy URL, or `false` for none. @default the HTTP_PROXY / HTTPS_PROXY / NO_PROXY environment variables, read when the session is made */
  readonly proxy?: string | URL | false;
  /** Retries: a number of retries, or a policy. Idempotent methods only unless `methods` says otherwise. @default undefined (no retries) */
  readonly retry?: number | RetryOptions;
}

export const transportOptionNames: ReadonlySet<string> = new Set([
  'redirect',
  'maxRedirects',
  'maxResponseSize',
  'connectTimeout',
  'headersTimeout',
  'bodyTimeout',
  'throwHttpErrors',
  'auth',
  'tls',
  'http2',
  'proxy',
  'retry',
]);

export const transportDefaults = Object.freeze({
  redirect: 'follow' as const,
  maxRedirects: 20,
  maxResponseSize: 64 * 1024 * 1024,
  connectTimeout: 10_000,
  headersTimeout: 300_000,
  bodyTimeout: 300_000,
  throwHttpErrors: false,
});

/** The resolved settings: the wire part, and what stays on the main thread. */
export interface Transport {
  readonly spec: TransportSpec;
  readonly redirect: 'follow' | 'manual';
  readonly maxRedirects: number;
  readonly throwHttpErrors: boolean;
  /** The `authorization` header value, or undefined. */
  readonly authorization: string | undefined;
}

const maxMs = 2_147_483_647;

function positiveMs(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || value > maxMs)
    throw new InvalidArgumentError(`${name} must be a positive number of milliseconds up to ${maxMs}, got ${show(value)}`);
  return value;
}

function nonNegativeInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${show(value)}`);
  return value;
}

function authorization(auth: unknown): string | undefined {
  if (auth === undefined) return undefined;
  if (auth !== null && typeof auth === 'object') {
    const a = auth as Record<string, unknown>;
    if (typeof a.bearer === 'string' && a.username === undefined) {
      if (/[\r\n\0]/.test(a.bearer)) throw new InvalidArgumentError('auth.bearer must not contain CR, LF or NUL');
      return `Bearer ${a.bearer}`;
    }
    if (typeof a.username === 'string' && typeof a.password === 'string' && a.bearer === undefined) {
      if (a.username.includes(':')) throw new InvalidArgumentError('auth.username must not contain ":" (RFC 7617)');
      return `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
    }
  }
  throw new InvalidArgumentError('auth must be { username, password } (strings) or { bearer } (a string)');
}

/** Validates transport options over a base (the session's, or the defaults). */
export function resolveTransport(options: Record<string, unknown>, base: Transport | undefined, prefix: string): Transport {
  const redirect = options.redirect as 'follow' | 'manual' | undefined;
  if (redirect !== undefined && redirect !== 'follow' && redirect !== 'manual')
    throw new InvalidArgumentError(`${prefix}redirect must be 'follow' or 'manual', got ${show(redirect)}`);
  const throwHttpErrors = options.throwHttpErrors;
  if (throwHttpErrors !== undefined && typeof throwHttpErrors !== 'boolean') throw new InvalidArgumentError(`${prefix}throwHttpErrors must be a boolean`);
  const http2 = options.http2;
  if (http2 !== undefined && typeof http2 !== 'boolean') throw new InvalidArgumentError(`${prefix}http2 must be a boolean`);
  const baseSpec = base?.spec;
  const follow = redirect ?? base?.redirect ?? transportDefaults.redirect;
  const maxRedirects = nonNegativeInteger(options.maxRedirects, `${prefix}maxRedirects`) ?? base?.maxRedirects ?? transportDefaults.maxRedirects;
  const connection = {
    connectTimeout: positiveMs(options.connectTimeout, `${prefix}connectTimeout`) ?? baseSpec?.connectTimeout ?? transportDefaults.connectTimeout,
    tls: options.tls === undefined ? baseSpec?.tls : checkTls(options.tls, `${prefix}tls`),
    http2: http2 ?? baseSpec?.http2 ?? false,
    proxy: options.proxy === undefined && baseSpec ? baseSpec.proxy : checkProxy(options.proxy, `${prefix}proxy`),
    retry: options.retry === undefined ? baseSpec?.retry : checkRetry(options.retry, `${prefix}retry`),
  };
  return {
    spec: Object.freeze({
      ...connection,
      // Computed once here, not per request in the worker: which connection pool these settings use.
      poolKey: JSON.stringify([connection.connectTimeout, connection.tls, connection.http2, connection.proxy, connection.retry]),
      followRedirects: follow === 'follow',
      maxRedirects,
      maxResponseSize:
        nonNegativeInteger(options.maxResponseSize, `${prefix}maxResponseSize`) ?? baseSpec?.maxResponseSize ?? transportDefaults.maxResponseSize,
      headersTimeout: positiveMs(options.headersTimeout, `${prefix}headersTimeout`) ?? baseSpec?.headersTimeout ?? transportDefaults.headersTimeout,
      bodyTimeout: positiveMs(options.bodyTimeout, `${prefix}bodyTimeout`) ?? baseSpec?.bodyTimeout ?? transportDefaults.bodyTimeout,
    }),
    redirect: follow,
    maxRedirects,
    throwHttpErrors: throwHttpErrors ?? base?.throwHttpErrors ?? transportDefaults.throwHttpErrors,
    authorization: options.auth === undefined ? base?.authorization : authorization(options.auth),
  };
}

/** true when the options touch any transport setting (else the session's Transport is reused as is). */
export function hasTransportOptions(options: Record<string, unknown>): boolean {
  for (const name of transportOptionNames) if (options[name] !== undefined) return true;
  return false;
}
