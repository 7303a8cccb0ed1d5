/**
 * Error classes shared by both threads. Each has a stable `code` to match on; every error that
 * belongs to a request carries `request` ({ method, url }) and names it in its message.
 * Structured clone drops subclasses and custom properties, so errors cross threads as
 * {@link SerializedError} and are rebuilt from `code` by {@link deserializeError}.
 * Credentials in URLs never show: `request.url` and the message are redacted ({@link redactUrl}).
 */
import { redactRequest, redactUrl } from './redact.js';

/** Which request an error belongs to. */
export interface RequestRef {
  readonly method: string;
  readonly url: string;
}

/** Options shared by every threadfetch error. */
export interface ThreadfetchErrorOptions {
  readonly cause?: unknown;
  readonly request?: RequestRef | undefined;
}

/** The base class of every error threadfetch raises. Match on `code`, not on the message. */
export class ThreadfetchError extends Error {
  /**
   * A stable identifier of the failure, such as `TF_ERR_TIMEOUT`. Every subclass sets its own;
   * `TF_ERR_UNKNOWN` is only the base class's, which threadfetch never raises itself.
   */
  readonly code: string = 'TF_ERR_UNKNOWN';
  /** The request this error belongs to, when there is one. */
  readonly request: RequestRef | undefined;

  constructor(message: string, options: ThreadfetchErrorOptions = {}) {
    const request = redactRequest(options.request);
    super(redactUrl(request ? `${message} (${request.method} ${request.url})` : message), options.cause === undefined ? {} : { cause: options.cause });
    this.request = request;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** `x instanceof ThreadfetchError` also holds for {@link InvalidArgumentError}, which is a TypeError. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof
    if (this === ThreadfetchError && value instanceof InvalidArgumentError) return true;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/**
 * Bad input: an option of the wrong type or range, an unknown option, a malformed URL. A TypeError,
 * as Node's own argument errors are, and a {@link ThreadfetchError} to `instanceof`.
 */
export class InvalidArgumentError extends TypeError {
  readonly code = 'TF_ERR_INVALID_ARGUMENT';
  readonly request: RequestRef | undefined;

  constructor(message: string, options: ThreadfetchErrorOptions = {}) {
    const request = redactRequest(options.request);
    super(redactUrl(request ? `${message} (${request.method} ${request.url})` : message), options.cause === undefined ? {} : { cause: options.cause });
    this.request = request;
  }

  override get name(): string {
    return 'InvalidArgumentError';
  }
}

/** The request's whole deadline (`timeout`) passed before it completed; the request was aborted. */
export class TimeoutError extends ThreadfetchError {
  override readonly code: string = 'TF_ERR_TIMEOUT';
}

/** No connection within `connectTimeout`. */
export class ConnectTimeoutError extends TimeoutError {
  override readonly code = 'TF_ERR_CONNECT_TIMEOUT';
}

/** The response headers did not arrive within `headersTimeout` of the request being sent. */
export class HeadersTimeoutError extends TimeoutError {
  override readonly code = 'TF_ERR_HEADERS_TIMEOUT';
}

/** The body stalled: no data for `bodyTimeout`. */
export class BodyTimeoutError extends TimeoutError {
  override readonly code = 'TF_ERR_BODY_TIMEOUT';
}

/** The body, decoded, is larger than `maxResponseSize`; reading stopped there. */
export class ResponseTooLargeError extends ThreadfetchError {
  override readonly code = 'TF_ERR_RESPONSE_TOO_LARGE';
}

/** More redirects than `maxRedirects`, or a redirect loop (back to a URL of the chain; without a cookie jar). */
export class TooManyRedirectsError extends ThreadfetchError {
  override readonly code = 'TF_ERR_TOO_MANY_REDIRECTS';
}

/** `future.result(ms)`, or `asCompleted` with a `timeout`, gave up waiting; the request itself goes on. */
export class ResultTimeoutError extends ThreadfetchError {
  override readonly code = 'TF_ERR_RESULT_TIMEOUT';
}

/** The request was cancelled: `future.cancel()`, its `signal`, or `close({ force: true })`. */
export class AbortedError extends ThreadfetchError {
  override readonly code = 'TF_ERR_ABORTED';
}

/**
 * The connection or the HTTP exchange failed. `cause` carries undici's (or Node's) error and code.
 * The subclasses below name the common faults; a failure none of them fits is a plain NetworkError.
 */
export class NetworkError extends ThreadfetchError {
  override readonly code: string = 'TF_ERR_NETWORK';
}

/** Nothing listens at the address: the connection was refused. */
export class ConnectionRefusedError extends NetworkError {
  override readonly code = 'TF_ERR_CONNECTION_REFUSED';
}

/** The connection was reset or closed before the response headers came (the request may have been processed). */
export class ConnectionResetError extends NetworkError {
  override readonly code = 'TF_ERR_CONNECTION_RESET';
}

/** The connection was reset or closed after the headers, before the body was complete. */
export class BodyIncompleteError extends NetworkError {
  override readonly code = 'TF_ERR_BODY_INCOMPLETE';
}

/** The body is longer or shorter than its `content-length` says. */
export class ContentLengthMismatchError extends NetworkError {
  override readonly code = 'TF_ERR_CONTENT_LENGTH_MISMATCH';
}

/** What came back is not HTTP: a bad status line, header or chunk. */
export class ProtocolError extends NetworkError {
  override readonly code = 'TF_ERR_PROTOCOL';
}

/** The body could not be decoded by its `content-encoding` (corrupt gzip, deflate, br or zstd data). */
export class DecodeError extends NetworkError {
  override readonly code = 'TF_ERR_DECODE';
}

/** The TLS handshake failed: an unverifiable or expired certificate, a name mismatch. `cause.code` is Node's. */
export class TlsError extends ThreadfetchError {
  override readonly code = 'TF_ERR_TLS';
}

/** `saveTo` could not write its file (a missing folder, no permission, a full disk). `cause` is Node's error. */
export class SaveFailedError extends ThreadfetchError {
  override readonly code = 'TF_ERR_SAVE_FAILED';
}

/** A streamed request body failed: its source threw, or yielded something other than bytes or text. */
export class UploadError extends ThreadfetchError {
  override readonly code = 'TF_ERR_UPLOAD_FAILED';
}

/** A background callback threw, rejected or returned a value that cannot cross threads. `cause` is its error. */
export class CallbackError extends ThreadfetchError {
  override readonly code = 'TF_ERR_CALLBACK_FAILED';
}

/** `background` names no built-in and no export of the session's callbacks module. */
export class UnknownCallbackError extends ThreadfetchError {
  override readonly code = 'TF_ERR_UNKNOWN_CALLBACK';
}

/** A callback called `ctx.hooks.name(...)` for a hook the request did not pass; the message names the hooks it passed. */
export class UnknownHookError extends ThreadfetchError {
  override readonly code = 'TF_ERR_UNKNOWN_HOOK';
}

/** The callbacks module could not be imported in the worker. `cause` is the import error. */
export class CallbacksModuleError extends ThreadfetchError {
  override readonly code = 'TF_ERR_CALLBACKS_MODULE';
}

/**
 * The session's `setup` module could not be imported in the worker, or its `dispatcher` export is not
 * a function, or did not return an undici Dispatcher. The message names the module; `cause` is the
 * underlying error.
 */
export class SetupModuleError extends ThreadfetchError {
  override readonly code = 'TF_ERR_SETUP_MODULE';
}

/** An HTTP error status (400 and up) with `throwHttpErrors: true`. Carries `status` and a bounded `bodyExcerpt`. */
export class HttpStatusError extends ThreadfetchError {
  override readonly code = 'TF_ERR_HTTP_STATUS';
  /** The response status. */
  readonly status: number;
  /** Up to the first 1024 characters of the body, decoded as UTF-8. */
  readonly bodyExcerpt: string;
  constructor(message: string, options: ThreadfetchErrorOptions & { status: number; bodyExcerpt: string }) {
    super(message, options);
    this.status = options.status;
    this.bodyExcerpt = options.bodyExcerpt;
  }
}

/** A future made with `after()`, or a `session.run`, could not start: one of the futures it depends on failed (that error is `cause`). */
export class DependencyError extends ThreadfetchError {
  override readonly code = 'TF_ERR_DEPENDENCY_FAILED';
}

/** The worker thread running the request died (process.exit, uncaught error, out of memory). */
export class WorkerCrashedError extends ThreadfetchError {
  override readonly code: string = 'TF_ERR_WORKER_CRASHED';
}

/**
 * The worker thread running the request was terminated because another request on it did not let it
 * go after its deadline or cancel (a callback blocking the worker's event loop); the message names
 * that request. A WorkerCrashedError, so code that handles crashes handles this too.
 */
export class WorkerStuckError extends WorkerCrashedError {
  override readonly code = 'TF_ERR_WORKER_STUCK';
}

/** The session is closed, or closing, and takes no new requests. */
export class SessionClosedError extends ThreadfetchError {
  override readonly code = 'TF_ERR_SESSION_CLOSED';
}

/** More requests are waiting than `maxQueue` allows. */
export class QueueFullError extends ThreadfetchError {
  override readonly code = 'TF_ERR_QUEUE_FULL';
}

/**
 * The executor cannot carry this request: a distributed executor (`@threadfetch/queue`) refuses what
 * cannot cross machines (session.stream, hooks, a cookie jar, a streamed body, onProgress, and saveTo
 * unless `allowSaveTo: true`). The message names the option.
 */
export class NotSupportedError extends ThreadfetchError {
  override readonly code = 'TF_ERR_NOT_SUPPORTED';
}

/** A distributed executor's result (body and callback data, encoded) is larger than its `maxResultBytes`: refused, never truncated. */
export class ResultTooLargeError extends ThreadfetchError {
  override readonly code = 'TF_ERR_RESULT_TOO_LARGE';
}

/**
 * Redis came back without its data (a restart without persistence, a failover to an empty replica)
 * and lost the queue job of a request that is not safe to repeat: it may or may not have run.
 */
export class QueueDataLostError extends ThreadfetchError {
  override readonly code = 'TF_ERR_QUEUE_DATA_LOST';
}

/** Each error class by its code: how errors are rebuilt after crossing threads. */
export const errorClasses = {
  TF_ERR_INVALID_ARGUMENT: InvalidArgumentError,
  TF_ERR_TIMEOUT: TimeoutError,
  TF_ERR_CONNECT_TIMEOUT: ConnectTimeoutError,
  TF_ERR_HEADERS_TIMEOUT: HeadersTimeoutError,
  TF_ERR_BODY_TIMEOUT: BodyTimeoutError,
  TF_ERR_RESPONSE_TOO_LARGE: ResponseTooLargeError,
  TF_ERR_TOO_MANY_REDIRECTS: TooManyRedirectsError,
  TF_ERR_RESULT_TIMEOUT: ResultTimeoutError,
  TF_ERR_ABORTED: AbortedError,
  TF_ERR_NETWORK: NetworkError,
  TF_ERR_CONNECTION_REFUSED: ConnectionRefusedError,
  TF_ERR_CONNECTION_RESET: ConnectionResetError,
  TF_ERR_BODY_INCOMPLETE: BodyIncompleteError,
  TF_ERR_CONTENT_LENGTH_MISMATCH: ContentLengthMismatchError,
  TF_ERR_PROTOCOL: ProtocolError,
  TF_ERR_DECODE: DecodeError,
  TF_ERR_TLS: TlsError,
  TF_ERR_CALLBACK_FAILED: CallbackError,
  TF_ERR_SAVE_FAILED: SaveFailedError,
  TF_ERR_UPLOAD_FAILED: UploadError,
  TF_ERR_UNKNOWN_CALLBACK: UnknownCallbackError,
  TF_ERR_UNKNOWN_HOOK: UnknownHookError,
  TF_ERR_CALLBACKS_MODULE: CallbacksModuleError,
  TF_ERR_SETUP_MODULE: SetupModuleError,
  TF_ERR_WORKER_CRASHED: WorkerCrashedError,
  TF_ERR_WORKER_STUCK: WorkerStuckError,
  TF_ERR_DEPENDENCY_FAILED: DependencyError,
  TF_ERR_SESSION_CLOSED: SessionClosedError,
  TF_ERR_QUEUE_FULL: QueueFullError,
  TF_ERR_NOT_SUPPORTED: NotSupportedError,
  TF_ERR_RESULT_TOO_LARGE: ResultTooLargeError,
  TF_ERR_QUEUE_DATA_LOST: QueueDataLostError,
} as const;

/** Every stable error code threadfetch uses. */
export type ErrorCode = keyof typeof errorClasses | 'TF_ERR_HTTP_STATUS';
