/**
 * A request of a session with a cookie jar: redirects are followed here, hop by hop, so that the jar
 * (on the main thread, through comlink) gives each hop its Cookie header and sees each hop's
 * set-cookie, as a browser's would. Each hop is made by the rules of redirects.ts, but for loops: a
 * redirect back to an earlier URL is followed (the jar may have changed the answer, as in a login), up
 * to maxRedirects. A streamed body cannot be sent twice: its 3xx comes back as it is.
 */
import type { MessagePort } from 'node:worker_threads';
import { type Endpoint, type Remote, releaseProxy, wrap } from 'comlink';
import type { CookieJarRemote } from '../protocol/messages.js';
import { discard } from './body-sinks.js';
import type { Cancellation } from './cancellation.js';
import { type OpenResponse, type Outgoing, open } from './http.js';
import { locationOf, nextHop, targetOf } from './redirects.js';
import { isStreamBody } from './request-body.js';

export async function openWithJar(out: Outgoing, signal: Cancellation, port: MessagePort): Promise<OpenResponse> {
  const jar = wrap<CookieJarRemote>(port as unknown as Endpoint);
  const follow = out.transport.followRedirects && !isStreamBody(out.body);
  const transport = { ...out.transport, followRedirects: false };
  const request = { method: out.method, url: out.url };
  let current: Outgoing = { ...out, request };
  try {
    for (let hops = 0; ; hops++) {
      const cookie = await unlessCancelled(jar.cookieFor(current.url), signal);
      const { cookie: _dropped, ...headers } = current.headers;
      const opened = await open({ ...current, headers: cookie ? { ...headers, cookie } : headers, transport }, signal);
      const set = opened.headers['set-cookie'];
      if (set !== undefined) {
        try {
          await unlessCancelled(jar.store(current.url, Array.isArray(set) ? set : [set]), signal);
        } catch (error) {
          discard(opened.body);
          throw error;
        }
      }
      const hop = { ...current, target: targetOf(current.url) };
      const to = follow ? locationOf(hop, opened.status, opened.headers.location) : undefined;
      if (to === undefined) return { ...opened, redirected: hops > 0 };
      discard(opened.body);
      const next = nextHop(hop, opened.status, to, { hops, maxRedirects: out.transport.maxRedirects, visited: undefined, request });
      out.requestLog?.redirect(opened.status, next.url);
      current = { ...current, method: next.method, url: next.url, headers: next.headers, body: next.body };
    }
  } finally {
    (jar as Remote<object>)[releaseProxy]();
    port.close();
  }
}

/**
 * A call to the jar, given up when the request is cancelled: the main thread closes its end of the
 * jar's port when the request settles, and a comlink call on a closed port never answers.
 */
function unlessCancelled<T>(call: Promise<T>, signal: Cancellation): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.once('abort', onAbort);
    call.then(
      (value) => {
        signal.removeListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
