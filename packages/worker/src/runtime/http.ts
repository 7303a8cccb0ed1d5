/**
 * HTTP inside the worker: one undici request per call, on the dispatcher for its transport settings.
 * Bodies are decoded here and read into one exact-size buffer under the size limit.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RequestRef } from '../errors.js';
import type { BodySpec, TransportSpec } from '../protocol/messages.js';
import { discard } from './body-sinks.js';
import type { Cancellation } from './cancellation.js';
import { decodedBody, isBodiless } from './decode.js';
import { dispatcherFor, setupDispatcherFor } from './dispatchers.js';
import { failure } from './failures.js';
import { type Hop, locationOf, nextHop, targetOf } from './redirects.js';
import { isStreamBody, requestBody } from './request-body.js';
import type { RequestLog } from './request-log.js';
import { releaseUpload } from './upload-source.js';

/** What to send. Headers use lower-case names. */
export interface Outgoing {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: BodySpec;
  readonly transport: TransportSpec;
  /** file: URL of the session's setup module, whose `dispatcher()` may wrap or replace the default one. */
  readonly setup?: string | undefined;
  /** Where redirects and retries are recorded for the session's logger; undefined: not logged. */
  readonly requestLog?: RequestLog | undefined;
  /** What errors name when it is not this method and URL: a later hop of a request followed elsewhere (cookie-hops.ts). */
  readonly request?: RequestRef;
}

/** Response headers arrived; the body is still to be read (already decoded). */
export interface OpenResponse {
  readonly status: number;
  readonly statusText: string | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly url: string;
  readonly redirected: boolean;
  readonly body: Readable;
  /** The announced body length when it is known before decoding; undefined otherwise. */
  readonly length: number | undefined;
}

/** Sends one request and resolves at its response headers, following redirects. Errors come out coded. */
export async function open(out: Outgoing, signal: Cancellation): Promise<OpenResponse> {
  const { transport } = out;
  // A streamed body cannot be sent twice: its redirects come back as they are.
  const follow = transport.followRedirects && !isStreamBody(out.body);
  try {
    const dispatcher = out.setup === undefined ? dispatcherFor(transport) : await setupDispatcherFor(transport, out.setup, refOf(out));
    let hop: Hop = { method: out.method, url: out.url, target: targetOf(out.url), headers: out.headers, body: out.body };
    let visited: Set<string> | undefined;
    for (let hops = 0; ; hops++) {
      const res = await send(dispatcher, hop, transport, signal, out);
      const to = follow ? locationOf(hop, res.statusCode, res.headers.location) : undefined;
      if (to === undefined) return opened(res, hop, hops, out);
      discard(res.body as unknown as Readable);
      visited ??= new Set([`${hop.target.origin}${hop.target.path}`]);
      hop = nextHop(hop, res.statusCode, to, { hops, maxRedirects: transport.maxRedirects, visited, request: refOf(out) });
      out.requestLog?.redirect(res.statusCode, hop.url);
    }
  } catch (error) {
    if (isStreamBody(out.body)) releaseUpload(out.body);
    throw failure(error, signal, refOf(out), transport, 'head');
  }
}

function refOf(out: Outgoing): RequestRef {
  return out.request ?? { method: out.method, url: out.url };
}

/** One hop, straight to the dispatcher, its target parsed once per URL. */
function send(dispatcher: Dispatcher, hop: Hop, transport: TransportSpec, signal: Cancellation, out: Outgoing): Promise<Dispatcher.ResponseData> {
  const body = hop.body === undefined ? null : requestBody(hop.body, refOf(out));
  const { origin, path } = hop.target;
  const { headersTimeout, bodyTimeout } = transport;
  const method = hop.method as Dispatcher.HttpMethod;
  // `requestLog` rides in the options to the retry interceptor's decision (dispatchers.ts), which reports
  // retries to it. The SNI: undici takes a request's host header for it unless the request names one.
  const { requestLog } = out;
  const servername = transport.tls?.servername;
  return dispatcher.request({
    origin,
    path,
    method,
    headers: hop.headers,
    body,
    signal,
    headersTimeout,
    bodyTimeout,
    servername,
    requestLog,
  } as Dispatcher.RequestOptions);
}

function opened(res: Dispatcher.ResponseData, hop: Hop, hops: number, out: Outgoing): OpenResponse {
  // A streamed body's source ends with its request: at the latest when the response body closes.
  if (isStreamBody(out.body)) (res.body as unknown as Readable).once('close', () => releaseUpload(out.body as ReadableStream));
  // A HEAD, 204 or 304 has no body to decode, whatever its content-encoding and content-length say.
  const bodiless = isBodiless(hop.method, res.statusCode);
  const encoding = bodiless ? undefined : res.headers['content-encoding'];
  const declared = bodiless ? 0 : Number(res.headers['content-length']);
  return {
    status: res.statusCode,
    statusText: (res as { statusText?: string }).statusText,
    headers: res.headers,
    // A later hop's URL never has a fragment; the request's own may.
    url: hops === 0 ? withoutFragment(hop.url) : hop.url,
    redirected: hops > 0,
    body: decodedBody(res.body as unknown as Readable, encoding, refOf(out)),
    length: encoding === undefined && Number.isSafeInteger(declared) ? declared : undefined,
  };
}

function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}
