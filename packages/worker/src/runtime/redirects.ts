/**
 * Redirects, followed hop by hop (in {@link open}, and with a cookie jar in cookie-hops.ts) rather than
 * by undici's redirect interceptor: a request that is not redirected (nearly all) then costs no
 * redirect handler, no copies of its options and no URL per response. A hop is sent as fetch and
 * undici's redirect handler send it: 301 and 302 turn a POST into a GET, 303 turns anything but HEAD
 * into a GET; a hop turned into a GET has no body and no content-* headers (a 303 drops them always);
 * `host` is dropped, and so are `authorization`, `cookie` and `proxy-authorization` when the origin
 * changes. A Location that is missing or not a URL leaves the 3xx as it is; one that is not http(s)
 * is refused. Without a jar, a redirect back to a URL of the chain is a loop.
 */
import { NetworkError, type RequestRef, TooManyRedirectsError } from '../errors.js';
import type { BodySpec } from '../protocol/messages.js';

export const redirectStatuses = new Set([300, 301, 302, 303, 307, 308]);

/** Where a request goes, as undici's dispatchers take it. */
export interface Target {
  readonly origin: string;
  /** Path and query, no fragment. */
  readonly path: string;
}

/** Targets of URLs seen, so that a URL requested again is not parsed again (bounded). */
const targets = new Map<string, Target>();

/** The origin and path of an absolute http(s) URL (validated on the main thread). */
export function targetOf(url: string): Target {
  let target = targets.get(url);
  if (target === undefined) {
    target = parse(new URL(url));
    if (targets.size >= 1024) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function parse(url: URL): Target {
  return { origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname };
}

/** One hop of a request: what is sent. */
export interface Hop {
  readonly method: string;
  /** The URL as a string: the request's own for the first hop, origin and path (no fragment) after. */
  readonly url: string;
  readonly target: Target;
  readonly headers: Record<string, string>;
  readonly body?: BodySpec | undefined;
}

/**
 * The URL a 3xx of `from` redirects to, or undefined when the response is to be returned as it is: not
 * a redirect status, or a Location that is missing or not a URL.
 */
export function locationOf(from: Hop, status: number, location: string | string[] | undefined): URL | undefined {
  if (!redirectStatuses.has(status) || typeof location !== 'string') return undefined;
  try {
    return new URL(utf8(location), `${from.target.origin}${from.target.path}`);
  } catch {
    return undefined;
  }
}

/**
 * Header values arrive as latin1, one char per byte; a Location of non-ASCII bytes is read as the
 * UTF-8 that servers send (as fetch does), so `/š` goes out as `/%C5%A1`.
 */
function utf8(value: string): string {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'latin1').toString('utf8');
  return value;
}

/** What bounds a chain of redirects: `hops` followed so far, and the URLs seen (a loop check; none with a jar). */
export interface Chain {
  readonly hops: number;
  readonly maxRedirects: number;
  readonly visited: Set<string> | undefined;
  /** The request, for errors. */
  readonly request: RequestRef;
}

/** The hop after `from`, which answered `status` redirecting to `to`; throws past maxRedirects, on a loop or a non-http(s) URL. */
export function nextHop(from: Hop, status: number, to: URL, chain: Chain): Hop {
  const { request, visited } = chain;
  if (chain.hops >= chain.maxRedirects) throw new TooManyRedirectsError(`more than maxRedirects (${chain.maxRedirects}) redirects`, { request });
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw new NetworkError(`redirect to a non-http(s) URL (${to.protocol}) refused`, { request });
  const target = parse(to);
  const url = `${target.origin}${target.path}`;
  if (visited?.has(url)) throw new TooManyRedirectsError('redirect loop: a redirect back to a URL of the chain', { request });
  visited?.add(url);
  const crossOrigin = target.origin !== from.target.origin;
  const toGet = status === 303 ? from.method !== 'HEAD' : (status === 301 || status === 302) && from.method === 'POST';
  const headers: Record<string, string> = Object.create(null);
  for (const name in from.headers) {
    if (name === 'host' || ((toGet || status === 303) && name.startsWith('content-'))) continue;
    if (crossOrigin && (name === 'authorization' || name === 'cookie' || name === 'proxy-authorization')) continue;
    headers[name] = from.headers[name] as string;
  }
  return toGet ? { method: 'GET', url, target, headers } : { method: from.method, url, target, headers, body: from.body };
}
