/** undici's, Node's and zlib's errors become coded threadfetch errors, the original kept as `cause`. */
import {
  BodyIncompleteError,
  BodyTimeoutError,
  ConnectionRefusedError,
  ConnectionResetError,
  ConnectTimeoutError,
  ContentLengthMismatchError,
  DecodeError,
  HeadersTimeoutError,
  NetworkError,
  ProtocolError,
  type RequestRef,
  ThreadfetchError,
  TlsError,
} from '../errors.js';
import type { TransportSpec } from '../protocol/messages.js';
import type { Cancellation } from './cancellation.js';

/** Where the request was when it failed: before the response headers, or reading the body. */
export type Phase = 'head' | 'body';

/** The request's coded error; when the request was aborted, the abort reason (cancel or deadline). */
export function failure(error: unknown, signal: Cancellation, ref: RequestRef, transport: TransportSpec, phase: Phase): Error {
  if (signal.aborted) return signal.reason as Error;
  return translate(error, ref, transport, phase);
}

const tlsCode = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_)/;
const closedCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function translate(error: unknown, request: RequestRef, transport: TransportSpec, phase: Phase): Error {
  if (error instanceof ThreadfetchError) return error;
  const code = (error as { code?: unknown })?.code;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const options = { cause: error, request };
  const said = `${typeof code === 'string' ? `${code}: ` : ''}${message}`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new ConnectTimeoutError(`no connection within connectTimeout (${transport.connectTimeout} ms)`, options);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new HeadersTimeoutError(`no response headers within headersTimeout (${transport.headersTimeout} ms)`, options);
  if (code === 'UND_ERR_BODY_TIMEOUT') return new BodyTimeoutError(`the body stalled for bodyTimeout (${transport.bodyTimeout} ms)`, options);
  if (typeof code === 'string' && tlsCode.test(code)) return new TlsError(`TLS failed: ${said}`, options);
  if (code === 'ECONNREFUSED') return new ConnectionRefusedError(`connection refused: ${said}`, options);
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return new ContentLengthMismatchError(`the body does not match its content-length: ${said}`, options);
  if (name === 'HTTPParserError') return new ProtocolError(`the response is not valid HTTP: ${message}`, options);
  if (typeof code === 'string' && code.startsWith('Z_')) return new DecodeError(`the body could not be decoded: ${said}`, options);
  if (typeof code === 'string' && closedCodes.has(code)) {
    return phase === 'head'
      ? new ConnectionResetError(`the connection closed before the response headers: ${said}`, options)
      : new BodyIncompleteError(`the connection closed before the body was complete: ${said}`, options);
  }
  return new NetworkError(`request failed: ${said}`, options);
}
