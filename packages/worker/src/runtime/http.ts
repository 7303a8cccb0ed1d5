/**
 * HTTP inside the worker: one undici request per call, on the dispatcher for its transport settings.
 * Bodies are decoded here and read into one exact-size buffer under the size limit.
 */
import type { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import {
  BodyTimeoutError,
  ConnectTimeoutError,
  HeadersTimeoutError,
  NetworkError,
  type RequestRef,
  ResponseTooLargeError,
  ThreadfetchError,
  TlsError,
  TooManyRedirectsError,
} from '../errors.js';
import type { TransportSpec } from '../protocol/messages.js';
import type { RawResponse } from './background-response.js';
import { acceptEncoding, decodedBody } from './decode.js';
import { dispatcherFor } from './dispatchers.js';

/** What to send. Headers use lower-case names. */
export interface Outgoing {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string | undefined;
  readonly transport: TransportSpec;
}

/** Marks reached while the response arrives. */
export interface Marks {
  headers: number;
  body: number;
}

/** Sends one request and reads its whole, decoded body. */
export async function send(out: Outgoing, signal: AbortSignal, marks: Marks): Promise<RawResponse> {
  const ref: RequestRef = { method: out.method, url: out.url };
  const { transport } = out;
  try {
    const headers = out.headers['accept-encoding'] === undefined ? { ...out.headers, 'accept-encoding': acceptEncoding } : out.headers;
    const res = await request(out.url, {
      dispatcher: dispatcherFor(transport),
      method: out.method as Dispatcher.HttpMethod,
      headers,
      body: out.body ?? null,
      signal,
      maxRedirections: transport.maxRedirects,
      throwOnMaxRedirect: transport.maxRedirects > 0,
      headersTimeout: transport.headersTimeout,
      bodyTimeout: transport.bodyTimeout,
    } as Parameters<typeof request>[1]);
    marks.headers = performance.timeOrigin + performance.now();
    const body = decodedBody(res.body as unknown as Readable, res.headers['content-encoding']);
    const bytes = await readAll(body, transport.maxResponseSize, ref);
    marks.body = performance.timeOrigin + performance.now();
    const history = (res.context as { history?: URL[] } | undefined)?.history;
    const last = history?.[history.length - 1];
    return {
      status: res.statusCode,
      statusText: (res as { statusText?: string }).statusText,
      headers: res.headers,
      url: last ? last.href : out.url,
      redirected: history !== undefined && history.length > 1,
      body: bytes,
    };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw translate(error, ref, transport);
  }
}

/** Reads a stream into one fresh buffer of exactly its size, stopping past `limit` bytes. */
async function readAll(body: Readable, limit: number, ref: RequestRef): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLargeError(`response body exceeds maxResponseSize (${limit} bytes, after decoding)`, { request: ref });
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const tlsCode = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_)/;

/** undici's and zlib's errors become coded threadfetch errors; the original is the cause. */
function translate(error: unknown, request: RequestRef, transport: TransportSpec): Error {
  if (error instanceof ThreadfetchError) return error;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  const options = { cause: error, request };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new ConnectTimeoutError(`no connection within connectTimeout (${transport.connectTimeout} ms)`, options);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new HeadersTimeoutError(`no response headers within headersTimeout (${transport.headersTimeout} ms)`, options);
  if (code === 'UND_ERR_BODY_TIMEOUT') return new BodyTimeoutError(`the body stalled for bodyTimeout (${transport.bodyTimeout} ms)`, options);
  if (typeof code === 'string' && tlsCode.test(code)) return new TlsError(`TLS failed: ${code}: ${message}`, options);
  if (message === 'max redirects' || message.startsWith('Redirect loop detected'))
    return new TooManyRedirectsError(`more than maxRedirects (${transport.maxRedirects}) redirects`, options);
  return new NetworkError(`request failed: ${typeof code === 'string' ? `${code}: ` : ''}${message}`, options);
}
