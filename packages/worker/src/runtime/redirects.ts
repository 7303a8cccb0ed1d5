/**
 * Redirects, followed hop by hop in {@link open} rather than by undici's redirect interceptor: a
 * request that is not redirected (nearly all) then costs no redirect handler, no copies of its
 * options and no URL per response. A hop is sent as undici's redirect handler would send it: 301 and
 * 302 turn a POST into a GET without a body, 303 turns anything but HEAD into a GET without a body
 * and drops the content-* headers, `host` is dropped, and so are `authorization`, `cookie` and
 * `proxy-authorization` when the origin changes. A redirect back to a URL of the chain is a loop.
 */
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
  /** The URL as a string: the request's own for the first hop, origin and path after. */
  readonly url: string;
  readonly target: Target;
  readonly headers: Record<string, string>;
  readonly body: BodySpec;
}

/** The hop after `from`, which answered `status` with `location`; undefined when it is a loop. */
export function nextHop(from: Hop, status: number, location: string, visited: Set<string>): Hop | undefined {
  const target = parse(new URL(location, `${from.target.origin}${from.target.path}`));
  const url = `${target.origin}${target.path}`;
  if (visited.has(url)) return undefined;
  visited.add(url);
  const crossOrigin = target.origin !== from.target.origin;
  const headers: Record<string, string> = Object.create(null);
  for (const name in from.headers) {
    if (name === 'host' || (status === 303 && name.startsWith('content-'))) continue;
    if (crossOrigin && (name === 'authorization' || name === 'cookie' || name === 'proxy-authorization')) continue;
    headers[name] = from.headers[name] as string;
  }
  const toGet = status === 303 ? from.method !== 'HEAD' : (status === 301 || status === 302) && from.method === 'POST';
  return toGet ? { method: 'GET', url, target, headers, body: undefined } : { method: from.method, url, target, headers, body: from.body };
}
