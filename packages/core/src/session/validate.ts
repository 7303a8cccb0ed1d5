/** Validation of headers, query, timeouts and methods, shared by session and request options. */
import { InvalidArgumentError } from '@threadfetch/worker';

/** Headers as a record (a value of `undefined` removes a session header) or a `Headers`. */
export type HeadersInit = Headers | Readonly<Record<string, string | number | undefined>>;

type QueryValue = string | number | boolean;
/** Query parameters: a record (arrays repeat a name; `undefined` removes a session parameter) or URLSearchParams. */
export type QueryInit = URLSearchParams | Readonly<Record<string, QueryValue | readonly QueryValue[] | undefined>>;

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const badValueRe = /[\r\n\0]/;

/** Prints any input for an error message; never throws (a value without toString prints as its type). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return `[${typeof value} that cannot be printed]`;
  }
}

/** Like `String(value)` for a request reference, but never throws. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : show(value);
}

/** Lower-cases names and checks names and values; `undefined` values are kept as removals. */
export function checkHeaders(init: HeadersInit | undefined, where: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  if (init === undefined) return out;
  if (init instanceof Headers) {
    for (const [name, value] of init) out[name] = value;
    return out;
  }
  if (init === null || typeof init !== 'object' || Array.isArray(init)) {
    throw new InvalidArgumentError(`${where} must be a record of header names to strings, or a Headers, got ${show(init)}`);
  }
  for (const name of Object.keys(init)) {
    const value = init[name];
    if (!tokenRe.test(name)) throw new InvalidArgumentError(`${where}: ${show(name)} is not a valid header name (RFC 9110 token characters only)`);
    if (value === undefined) {
      out[name.toLowerCase()] = undefined;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new InvalidArgumentError(`${where}.${name} must be a string or a number, got ${typeof value}`);
    }
    const text = String(value);
    if (badValueRe.test(text)) throw new InvalidArgumentError(`${where}.${name} must not contain CR, LF or NUL`);
    out[name.toLowerCase()] = text;
  }
  return out;
}

/** Checks a query init and returns it as name -> values (undefined: remove). */
export function checkQuery(init: QueryInit | undefined, where: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  if (init === undefined) return out;
  if (init instanceof URLSearchParams) {
    for (const name of new Set(init.keys())) out[name] = encodeValues(init.getAll(name));
    return out;
  }
  if (init === null || typeof init !== 'object' || Array.isArray(init)) {
    throw new InvalidArgumentError(`${where} must be a record of strings, numbers, booleans or arrays of them, or URLSearchParams, got ${show(init)}`);
  }
  for (const name of Object.keys(init)) {
    const value = init[name];
    if (value === undefined) {
      out[name] = undefined;
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
        throw new InvalidArgumentError(`${where}.${name} must be a string, finite number, boolean, or an array of them, got ${show(v)}`);
      }
    }
    out[name] = encodeValues(values.map(String));
  }
  return out;
}

/** Values joined as `name=` pairs are built later; here they are kept URL-encoded, NUL-separated. */
function encodeValues(values: readonly string[]): string {
  return values.map(encodeURIComponent).join('\0');
}

/** Appends merged query parameters to a URL's own query string. */
export function applyQuery(url: URL, query: Record<string, string | undefined>): void {
  let extra = '';
  for (const name in query) {
    const values = query[name];
    if (values === undefined) continue;
    const key = encodeURIComponent(name);
    for (const v of values.split('\0')) extra += `${extra ? '&' : ''}${key}=${v}`;
  }
  if (extra) url.search = url.search ? `${url.search}&${extra}` : extra;
}

/**
 * A URL's user and password, taken out of it: the URL without them, and the HTTP Basic
 * `authorization` they make (percent-decoded, UTF-8). undefined when the URL has none.
 */
export function takeCredentials(href: string): { href: string; authorization: string } | undefined {
  const url = new URL(href);
  if (url.username === '' && url.password === '') return undefined;
  const username = percentDecoded(url.username);
  if (username.includes(':')) throw new InvalidArgumentError('the user name in a URL must not contain ":" (RFC 7617)');
  const authorization = `Basic ${Buffer.from(`${username}:${percentDecoded(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return { href: url.href, authorization };
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A timeout in ms: a positive finite number up to 2^31-1, or Infinity for none. */
export function checkTimeout(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !(value > 0) || value > 2_147_483_647) {
    throw new InvalidArgumentError(`${where} must be a positive number of milliseconds up to 2147483647, or Infinity for none, got ${show(value)}`);
  }
  return value;
}

/** The usual methods, as given (upper or lower case) to upper case: no pattern to test for them. */
const knownMethods = new Map(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].flatMap((m) => [
    [m, m],
    [m.toLowerCase(), m],
  ]),
);

/** An HTTP method: an RFC 9110 token, upper-cased. */
export function checkMethod(value: unknown): string {
  const known = typeof value === 'string' ? knownMethods.get(value) : undefined;
  if (known !== undefined) return known;
  if (typeof value !== 'string' || !tokenRe.test(value)) {
    throw new InvalidArgumentError(`method must be an HTTP method token such as GET or PATCH, got ${show(value)}`);
  }
  return value.toUpperCase();
}
