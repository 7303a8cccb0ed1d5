/** Validation of headers, query, timeouts and methods, shared by session and request options. */
import { InvalidArgumentError } from '@threadfetch/worker';

type HeaderValue = string | number | undefined;

/** What reads as Headers: fetch's, npm undici's, or any object with `get` and `entries` or `forEach`. */
export interface HeadersLike {
  get(name: string): string | null;
  forEach(fn: (value: string, name: string) => void): void;
}

/**
 * Headers: a plain record or a Map (a value of `undefined` removes a session header), `[name, value]`
 * pairs (a repeated name is combined, as Headers combines it), or a Headers (fetch's, npm undici's,
 * any Headers-like object).
 */
export type HeadersInit =
  | Headers
  | HeadersLike
  | ReadonlyMap<string, HeaderValue>
  | readonly (readonly [string, HeaderValue])[]
  | Readonly<Record<string, HeaderValue>>;

type QueryValue = string | number | boolean;
type QueryValues = QueryValue | readonly QueryValue[] | undefined;
/** Query parameters: a plain record or a Map (arrays repeat a name; `undefined` removes a session parameter), or URLSearchParams. */
export type QueryInit = URLSearchParams | ReadonlyMap<string, QueryValues> | Readonly<Record<string, QueryValues>>;

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

/** true for an object made by `{}`, `Object.create(null)` or JSON.parse: a record, not a class instance. */
export function isPlainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What an input is, for an error message: `[object Set]`, `[object Object] (Settings)`. */
export function kind(value: unknown): string {
  if (value === null || typeof value !== 'object') return show(value);
  const tag = Object.prototype.toString.call(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return tag === '[object Object]' && typeof name === 'string' && name !== 'Object' ? `${tag} (${name})` : tag;
}

function isHeadersLike(value: object): value is HeadersLike & { entries?(): Iterable<[string, string]> } {
  const h = value as Partial<Record<'get' | 'entries' | 'forEach', unknown>>;
  return typeof h.get === 'function' && (typeof h.entries === 'function' || typeof h.forEach === 'function');
}

/** The entries of a HeadersInit, or throws naming `where`. */
function headerEntries(init: unknown, where: string): Iterable<readonly [unknown, unknown]> {
  if (isPlainRecord(init)) return Object.entries(init);
  if (init instanceof Map) return init;
  if (Array.isArray(init)) {
    init.forEach((pair: unknown, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidArgumentError(`${where}[${i}] must be a [name, value] pair, got ${kind(pair)}`);
    });
    return init as [unknown, unknown][];
  }
  if (init !== null && typeof init === 'object' && isHeadersLike(init)) {
    if (typeof init.entries === 'function') return init.entries();
    const pairs: [string, string][] = [];
    init.forEach((value, name) => {
      pairs.push([name, value]);
    });
    return pairs;
  }
  throw new InvalidArgumentError(`${where} must be a plain record of header names to strings, a Headers, a Map or [name, value] pairs, got ${kind(init)}`);
}

/**
 * Lower-cases names, checks names and values, trims values; `undefined` values are kept as removals. A name given
 * twice (in pairs, or a Headers' own) is combined with `, ` (`; ` for cookie), as Headers does.
 */
export function checkHeaders(init: HeadersInit | undefined, where: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  if (init === undefined) return out;
  const combine = Array.isArray(init);
  for (const [name, value] of headerEntries(init, where)) {
    if (typeof name !== 'string' || !tokenRe.test(name)) {
      throw new InvalidArgumentError(`${where}: ${show(name)} is not a valid header name (RFC 9110 token characters only)`);
    }
    const lower = name.toLowerCase();
    if (value === undefined) {
      out[lower] = undefined;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new InvalidArgumentError(`${where}.${name} must be a string or a number, got ${typeof value}`);
    }
    const text = trimmed(String(value));
    if (badValueRe.test(text)) throw new InvalidArgumentError(`${where}.${name} must not contain CR, LF or NUL`);
    const earlier = combine ? out[lower] : undefined;
    out[lower] = earlier === undefined ? text : `${earlier}${lower === 'cookie' ? '; ' : ', '}${text}`;
  }
  return out;
}

/**
 * A header value without leading or trailing spaces and tabs, as Headers normalizes it: they are not
 * part of the value (RFC 9110 5.5), so what is sent is what the server reads.
 */
function trimmed(value: string): string {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09 ? value.replace(/^[ \t]+|[ \t]+$/g, '') : value;
}

/** Checks a query init and returns it as name -> values (undefined: remove). */
export function checkQuery(init: QueryInit | undefined, where: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  if (init === undefined) return out;
  if (init instanceof URLSearchParams) {
    for (const name of new Set(init.keys())) out[name] = encodeValues(init.getAll(name));
    return out;
  }
  let entries: Iterable<readonly [unknown, unknown]>;
  if (isPlainRecord(init)) entries = Object.entries(init);
  else if (init instanceof Map) entries = init;
  else {
    throw new InvalidArgumentError(
      `${where} must be a plain record of strings, numbers, booleans or arrays of them, a Map or URLSearchParams, got ${kind(init)}`,
    );
  }
  for (const [name, value] of entries) {
    if (typeof name !== 'string') throw new InvalidArgumentError(`${where}: parameter names must be strings, got ${show(name)}`);
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
