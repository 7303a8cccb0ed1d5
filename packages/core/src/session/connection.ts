/** Validation of the connection options: `tls`, `http2`, `proxy` and `retry`. */
import { InvalidArgumentError } from '@threadfetch/worker';
import type { ProxySpec, RetrySpec, TlsSpec } from '@threadfetch/worker/protocol';
import { show } from './validate.js';

/** TLS settings for https: origins. Verification stays on unless `rejectUnauthorized: false` is given. */
export interface TlsOptions {
  /** Certificate authorities to trust (PEM), instead of Node's bundle. @default Node's CA bundle */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Client certificate (PEM) for mutual TLS. @default undefined */
  readonly cert?: string | Uint8Array;
  /** Client private key (PEM) for mutual TLS. @default undefined */
  readonly key?: string | Uint8Array;
  /** SNI and certificate name to check, when it differs from the URL's host. @default the URL's host */
  readonly servername?: string;
  /** false accepts any certificate: only for tests, never in production. @default true */
  readonly rejectUnauthorized?: boolean;
}

/** When and how to retry; undici's retry interceptor does the work. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  readonly limit?: number;
  /** Methods that may be retried; only idempotent ones by default. @default ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'] */
  readonly methods?: readonly string[];
  /** Statuses that trigger a retry. @default [408, 429, 500, 502, 503, 504] */
  readonly statusCodes?: readonly number[];
  /** Error codes that trigger a retry. @default ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'] */
  readonly errorCodes?: readonly string[];
  /** ms before the first retry; doubles (`factor`) each time up to `maxDelay`. @default 200 */
  readonly delay?: number;
  /**
   * Longest wait between attempts, ms. A Retry-After asking for longer is not cut short: that response
   * is returned as it is, not retried before the time the server asked for. @default 10000
   */
  readonly maxDelay?: number;
  /** Backoff multiplier. @default 2 */
  readonly factor?: number;
  /**
   * Wait as the Retry-After header of a 429 or 503 says (seconds or an HTTP date) instead of the
   * backoff; other statuses always use the backoff. @default true
   */
  readonly retryAfter?: boolean;
}

export const retryDefaults = Object.freeze({
  limit: 2,
  methods: Object.freeze(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']),
  statusCodes: Object.freeze([408, 429, 500, 502, 503, 504]),
  errorCodes: Object.freeze(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']),
  delay: 200,
  maxDelay: 10_000,
  factor: 2,
  retryAfter: true,
});

const tlsKeys = new Set(['ca', 'cert', 'key', 'servername', 'rejectUnauthorized']);
const retryKeys = new Set(Object.keys(retryDefaults));

function isPem(v: unknown): boolean {
  return typeof v === 'string' || v instanceof Uint8Array;
}

function only(value: object, keys: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(value)) if (!keys.has(key)) throw new InvalidArgumentError(`unknown option ${where}.${key}; allowed: ${[...keys].join(', ')}`);
}

export function checkTls(value: unknown, where: string): TlsSpec | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError(`${where} must be an object of TLS options`);
  only(value, tlsKeys, where);
  const t = value as TlsOptions;
  if (t.ca !== undefined && !(isPem(t.ca) || (Array.isArray(t.ca) && t.ca.every(isPem))))
    throw new InvalidArgumentError(`${where}.ca must be PEM text or bytes, or an array of them`);
  if (t.cert !== undefined && !isPem(t.cert)) throw new InvalidArgumentError(`${where}.cert must be PEM text or bytes`);
  if (t.key !== undefined && !isPem(t.key)) throw new InvalidArgumentError(`${where}.key must be PEM text or bytes`);
  if (t.servername !== undefined && typeof t.servername !== 'string') throw new InvalidArgumentError(`${where}.servername must be a string`);
  if (t.rejectUnauthorized !== undefined && typeof t.rejectUnauthorized !== 'boolean')
    throw new InvalidArgumentError(`${where}.rejectUnauthorized must be a boolean`);
  return Object.freeze({ ...t });
}

/** `proxy`: a URL, `false` for none; undefined reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (either case). */
export function checkProxy(value: unknown, where: string, env: NodeJS.ProcessEnv = process.env): ProxySpec | undefined {
  if (value === false) return undefined;
  if (value === undefined) {
    const httpProxy = env.http_proxy ?? env.HTTP_PROXY;
    const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY;
    if (!httpProxy && !httpsProxy) return undefined;
    return { httpProxy: httpProxy || undefined, httpsProxy: httpsProxy || undefined, noProxy: env.no_proxy ?? env.NO_PROXY };
  }
  if (typeof value !== 'string' && !(value instanceof URL)) throw new InvalidArgumentError(`${where} must be a proxy URL (http: or https:) or false`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${where} must be an absolute proxy URL, got ${show(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`${where} must use http: or https:, got ${url.protocol}`);
  return { uri: url.href };
}

export function checkRetry(value: unknown, where: string): RetrySpec | undefined {
  if (value === undefined || value === false || value === 0) return undefined;
  const r: RetryOptions = typeof value === 'number' ? { limit: value } : (value as RetryOptions);
  if (r === null || typeof r !== 'object') throw new InvalidArgumentError(`${where} must be a number of retries or an object of retry options`);
  only(r, retryKeys, where);
  const int = (v: unknown, name: string, min: number) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min))
      throw new InvalidArgumentError(`${where}.${name} must be an integer >= ${min}, got ${show(v)}`);
  };
  int(r.limit, 'limit', 0);
  int(r.delay, 'delay', 0);
  int(r.maxDelay, 'maxDelay', 0);
  if (r.factor !== undefined && !(typeof r.factor === 'number' && r.factor >= 1)) throw new InvalidArgumentError(`${where}.factor must be a number >= 1`);
  const list = <T>(v: readonly T[] | undefined, name: string, ok: (x: unknown) => boolean): readonly T[] | undefined => {
    if (v !== undefined && !(Array.isArray(v) && v.every(ok)))
      throw new InvalidArgumentError(`${where}.${name} must be an array of ${name === 'statusCodes' ? 'status codes' : 'strings'}`);
    return v;
  };
  return Object.freeze({
    maxRetries: r.limit ?? retryDefaults.limit,
    methods: (list(r.methods, 'methods', (x) => typeof x === 'string') ?? retryDefaults.methods).map((m) => m.toUpperCase()),
    statusCodes: [...(list(r.statusCodes, 'statusCodes', (x) => Number.isInteger(x)) ?? retryDefaults.statusCodes)],
    errorCodes: [...(list(r.errorCodes, 'errorCodes', (x) => typeof x === 'string') ?? retryDefaults.errorCodes)],
    minTimeout: r.delay ?? retryDefaults.delay,
    maxTimeout: r.maxDelay ?? retryDefaults.maxDelay,
    timeoutFactor: r.factor ?? retryDefaults.factor,
    retryAfter: r.retryAfter ?? retryDefaults.retryAfter,
  });
}
