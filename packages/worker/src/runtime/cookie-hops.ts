/**
 * A request of a session with a cookie jar: redirects are followed here, hop by hop, so that the jar
 * (on the main thread, through comlink) gives each hop its Cookie header and sees each hop's
 * set-cookie, as a browser's would. Method rewriting follows the fetch spec: 303 becomes GET (but
 * HEAD), 301 and 302 turn a POST into a GET, dropping the body and its content-* headers; credentials
 * are dropped when the origin changes. A streamed body cannot be sent twice: its 3xx comes back as it is.
 */
import type { MessagePort } from 'node:worker_threads';
import { type Endpoint, type Remote, releaseProxy, wrap } from 'comlink';
import { TooManyRedirectsError } from '../errors.js';
import type { CookieJarRemote } from '../protocol/messages.js';
import { discard } from './body-sinks.js';
import type { Cancellation } from './cancellation.js';
import { type OpenResponse, type Outgoing, open } from './http.js';
import { isStreamBody } from './request-body.js';

const redirects = new Set([300, 301, 302, 303, 307, 308]);
const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie'];
const bodyHeaders = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

export async function openWithJar(out: Outgoing, signal: Cancellation, port: MessagePort): Promise<OpenResponse> {
  const jar = wrap<CookieJarRemote>(port as unknown as Endpoint);
  const follow = out.transport.followRedirects && !isStreamBody(out.body);
  const transport = { ...out.transport, followRedirects: false };
  let current: Outgoing = out;
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
      const location = opened.headers.location;
      if (!follow || !redirects.has(opened.status) || typeof location !== 'string') return { ...opened, redirected: hops > 0 };
      discard(opened.body);
      if (hops >= out.transport.maxRedirects) {
        throw new TooManyRedirectsError(`more than maxRedirects (${out.transport.maxRedirects}) redirects`, { request: { method: out.method, url: out.url } });
      }
      current = nextHop(current, opened.status, new URL(location, current.url).href);
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

/** The next hop as undici's redirect handler would send it; `host` named the previous URL. */
function nextHop(from: Outgoing, status: number, url: string): Outgoing {
  const headers = { ...from.headers };
  delete headers.host;
  if (new URL(url).origin !== new URL(from.url).origin) for (const name of credentialHeaders) delete headers[name];
  const toGet = status === 303 ? from.method !== 'HEAD' : (status === 301 || status === 302) && from.method === 'POST';
  if (!toGet) return { ...from, url, headers };
  for (const name of bodyHeaders) delete headers[name];
  return { ...from, url, headers, method: 'GET', body: undefined };
}
