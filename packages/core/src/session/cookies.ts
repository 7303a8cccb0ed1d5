/**
 * The session's cookie jar (tough-cookie, RFC 6265: domain, path, expiry, secure), kept on the main
 * thread. A request of a session with a jar carries a comlink port to it: the worker asks for the
 * Cookie header of each hop and hands back every set-cookie, intermediate redirects included, so the
 * jar sees exactly what a browser's would.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { InvalidArgumentError } from '@threadfetch/worker';
import type { CookieJarRemote } from '@threadfetch/worker/protocol';
import { type Endpoint, expose } from 'comlink';
import { CookieJar } from 'tough-cookie';
import { show } from './validate.js';

/** `cookies` of the session: `true` for a fresh jar, or a tough-cookie `CookieJar` of yours. */
export type CookiesOption = boolean | CookieJar;

/**
 * The session's jar. A jar from another copy of tough-cookie (say, the application's own, of another
 * major version) fails `instanceof`, so a jar is known by the async methods used here.
 */
export function resolveJar(value: unknown): CookieJar | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return new CookieJar();
  if (value instanceof CookieJar) return value;
  const jar = value as Partial<Record<'getCookieString' | 'setCookie', unknown>> | null;
  if (typeof jar?.getCookieString === 'function' && typeof jar.setCookie === 'function') return value as CookieJar;
  throw new InvalidArgumentError(`options.cookies must be true (a fresh jar), false, or a tough-cookie CookieJar, got ${show(value)}`);
}

const nameRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const valueRe = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** Checks a request's `cookies` record and renders it as `a=1; b=2` (undefined when empty). */
export function renderCookies(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError('cookies must be a record of cookie names to string values');
  const pairs: string[] = [];
  for (const name of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[name];
    if (!nameRe.test(name)) throw new InvalidArgumentError(`cookies: ${JSON.stringify(name)} is not a valid cookie name`);
    if (typeof v !== 'string' || !valueRe.test(v))
      throw new InvalidArgumentError(`cookies.${name} must be a string without spaces, quotes, commas, semicolons or backslashes`);
    pairs.push(`${name}=${v}`);
  }
  return pairs.length > 0 ? pairs.join('; ') : undefined;
}

/**
 * A Cookie header with the request's own cookies (`a=1; b=2`, from {@link renderCookies}) added: a
 * cookie of `base` with the name of one of them is left out, so the request's wins (servers read the
 * first of two of a name), as in requests.
 */
export function withCookies(base: string | undefined, own: string): string {
  if (base === undefined || base === '') return own;
  const names = new Set(own.split('; ').map(nameOf));
  const kept = base.split(';').filter((pair) => pair.trim() !== '' && !names.has(nameOf(pair)));
  return kept.length === 0 ? own : `${kept.map((pair) => pair.trim()).join('; ')}; ${own}`;
}

function nameOf(pair: string): string {
  const eq = pair.indexOf('=');
  return (eq < 0 ? pair : pair.slice(0, eq)).trim();
}

/**
 * Exposes the jar to one request's worker. `explicit` is a cookie header the caller set (sent instead
 * of the jar's); `extra` the request's own `cookies`, added to either, replacing a cookie of the same
 * name. Both go to the request's own origin only, as undici drops a cookie header on a redirect to
 * another origin. The jar's async API is used, so a jar of yours with an asynchronous store works too.
 */
export function exposeJar(jar: CookieJar, explicit: string | undefined, extra: string | undefined, origin: string): MessagePort[] {
  const { port1, port2 } = new MessageChannel();
  const remote: CookieJarRemote = {
    async cookieFor(url) {
      const own = new URL(url).origin === origin;
      if (explicit !== undefined && !own) return '';
      const base = explicit ?? (await jar.getCookieString(url));
      return own && extra !== undefined ? withCookies(base, extra) : base;
    },
    async store(url, setCookies) {
      // Invalid or rejected cookies (a foreign domain, a Secure one over http) are skipped, as browsers do.
      for (const header of setCookies) await jar.setCookie(header, url, { ignoreError: true });
    },
  };
  expose(remote, port1 as unknown as Endpoint);
  return [port1, port2];
}
