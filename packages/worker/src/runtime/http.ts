/**
 * HTTP inside the worker: one undici request per call, on the dispatcher for its transport settings.
 * Bodies are decoded here and read into one exact-size buffer under the size limit.
 */
import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import { type RequestRef, TooManyRedirectsError } from '../errors.js';
import type { BodySpec, TransportSpec } from '../protocol/messages.js';
import { discard } from './body-sinks.js';
import type { Cancellation } from './cancellation.js';
import { acceptEncoding, decodedBody } from './decode.js';
import { dispatcherFor } from './dispatchers.js';
import { failure } from './failures.js';
import { isStreamBody, requestBody } from './request-body.js';
import { releaseUpload } from './upload-source.js';

/** What to send. Headers use lower-case names. */
export interface Outgoing {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: BodySpec;
  readonly transport: TransportSpec;
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

const redirectStatuses = new Set([300, 301, 302, 303, 307, 308]);

/** Sends one request and resolves at its response headers. Errors come out coded. */
export async function open(out: Outgoing, signal: Cancellation): Promise<OpenResponse> {
  const ref: RequestRef = { method: out.method, url: out.url };
  const { transport } = out;
  // A streamed body cannot be sent twice: its redirects come back as they are.
  const follow = transport.followRedirects && !isStreamBody(out.body);
  try {
    // The headers are this request's own copy (they crossed threads): set in place, not copied.
    const headers = out.headers;
    headers['accept-encoding'] ??= acceptEncoding;
    const res = await request(out.url, {
      dispatcher: dispatcherFor(transport),
      method: out.method as Dispatcher.HttpMethod,
      headers,
      body: requestBody(out.body, ref),
      signal,
      maxRedirections: follow ? transport.maxRedirects : 0,
      headersTimeout: transport.headersTimeout,
      bodyTimeout: transport.bodyTimeout,
    } as Parameters<typeof request>[1]);
    const history = (res.context as { history?: URL[] } | undefined)?.history;
    // undici hands back the redirect it did not follow; following one more is over the limit.
    if (follow && redirectStatuses.has(res.statusCode) && res.headers.location !== undefined) {
      discard(res.body as unknown as Readable);
      throw new TooManyRedirectsError(`more than maxRedirects (${transport.maxRedirects}) redirects`, { request: ref });
    }
    // A streamed body's source ends with its request: at the latest when the response body closes.
    if (isStreamBody(out.body)) (res.body as unknown as Readable).once('close', () => releaseUpload(out.body as ReadableStream));
    const last = history?.[history.length - 1];
    const encoding = res.headers['content-encoding'];
    const declared = Number(res.headers['content-length']);
    return {
      status: res.statusCode,
      statusText: (res as { statusText?: string }).statusText,
      headers: res.headers,
      url: last ? last.href : out.url,
      redirected: history !== undefined && history.length > 1,
      body: decodedBody(res.body as unknown as Readable, encoding),
      length: encoding === undefined && Number.isSafeInteger(declared) ? declared : undefined,
    };
  } catch (error) {
    if (isStreamBody(out.body)) releaseUpload(out.body);
    throw failure(error, signal, ref, transport, 'head');
  }
}
