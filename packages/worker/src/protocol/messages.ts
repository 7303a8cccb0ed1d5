/**
 * The wire protocol between the main thread (`@threadfetch/core`) and the workers.
 *
 * Piscina starts, limits and replaces the worker threads. The requests themselves travel on a lane:
 * a MessageChannel each worker opens at start and hands to the main thread ({@link HelloMessage} on
 * `parentPort`, which Piscina re-emits as the pool's `message` event). On its lane:
 * - main -> worker: {@link BatchMessage}, many request specs in one message; {@link CancelMessage}.
 *   A cancel follows its batch on the same port, so it can never overtake it.
 * - worker -> main: {@link ResultsMessage}, results coalesced per event-loop turn (at once when the
 *   worker has nothing else running); {@link ProgressMessage}.
 * - At close: main -> worker {@link DrainMessage}, worker -> main {@link DrainedMessage} once what the
 *   worker wrote to stdout and stderr has reached the main thread; then the pool ends the threads.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../error-wire.js';

export const MessageType = {
  hello: 'hello',
  batch: 'batch',
  results: 'results',
  progress: 'progress',
  cancel: 'cancel',
  drain: 'drain',
  drained: 'drained',
} as const;

/** The data the pool passes to every worker at start. */
export interface WorkerBootData {
  /** undici Agent options for the worker's connection pool. */
  readonly agent: AgentSettings;
}

/** worker -> main, on parentPort, once at start: the worker's lane. */
export interface HelloMessage {
  readonly type: typeof MessageType.hello;
  readonly threadId: number;
  readonly port: MessagePort;
  /** The worker's heartbeat (see heartbeat.ts), shared with the main thread. */
  readonly heartbeat: SharedArrayBuffer;
}

/** main -> worker, on its lane: requests to run. */
export interface BatchMessage {
  readonly type: typeof MessageType.batch;
  readonly specs: readonly RequestSpec[];
}

/** Connection pool settings, applied to each worker's undici Agent. */
export interface AgentSettings {
  readonly connectionsPerOrigin: number | undefined;
  readonly keepAliveTimeout: number;
}

/**
 * One request as it travels to a worker: already validated, merged and resolved on the main thread.
 * Every field a plain request does not need is left out rather than sent as undefined: each key is
 * written, sent and read back per request.
 */
export interface RequestSpec {
  readonly id: number;
  readonly method: string;
  /** Absolute URL, query applied. */
  readonly url: string;
  /** Lower-case header names to values. */
  readonly headers: Record<string, string>;
  readonly body?: BodySpec;
  /** Built-in name or an export of `callbacks`; absent: no callback. */
  readonly background?: string | undefined;
  /** file: URL of the callbacks module; sent only with `background`. */
  readonly callbacks?: string | undefined;
  /** file: URL of the session's setup module, loaded once per worker; absent: none. */
  readonly setup?: string | undefined;
  /** false: the body is dropped in the worker and never crosses threads. Absent: true. */
  readonly keepBody?: boolean | undefined;
  /** Post progress messages while the body downloads. Absent: false. */
  readonly progress?: boolean | undefined;
  /** Write the body to a file instead of keeping it. */
  readonly saveTo?: SaveSpec | undefined;
  /** Stream the body through this port (session.stream), see protocol/stream.ts. */
  readonly stream?: MessagePort | undefined;
  /** comlink endpoint of the caller's `hooks`, called from callbacks as ctx.hooks. */
  readonly hooks?: MessagePort | undefined;
  /** The names of the caller's `hooks` (ctx.hooks has these; other names fail with TF_ERR_UNKNOWN_HOOK). */
  readonly hookNames?: readonly string[] | undefined;
  /** comlink endpoint of the session's cookie jar ({@link CookieJarRemote}); with it the worker follows redirects hop by hop. */
  readonly cookies?: MessagePort | undefined;
  /** The session has a logger: the worker reports this request's redirects and retries in its envelope ({@link WorkerLog}). */
  readonly log?: true | undefined;
  /**
   * The streamed body is read whole in the worker before it is sent, so that a redirect or a retry can
   * send it again: a FormData with Blob parts, encoded on the main thread (a Blob made of a file's
   * cannot be read in another thread). Absent: false.
   */
  readonly bufferBody?: true | undefined;
  /** Connection and response limits; one object shared by the requests of a session, so sent once per batch. */
  readonly transport: TransportSpec;
  /** Present: no request but a call of an export of `callbacks` (session.run); `method` is `RUN`, `url` the name. */
  readonly run?: RunSpec | undefined;
}

/**
 * A call of a callbacks-module export (session.run), sent on the lanes as a request spec is: the same
 * deadline, cancel and crash handling apply. Its result is a {@link SuccessEnvelope} with status 0, no
 * headers, and the function's value as `data`.
 */
export interface RunSpec {
  /** The export to call. */
  readonly name: string;
  /** Its arguments, future arguments already replaced by their values. */
  readonly args: readonly unknown[];
  /** Buffers among `args`, moved with the batch rather than copied. */
  readonly transfer: readonly ArrayBuffer[];
  /** Base for relative URLs of `ctx.request` (the session's `baseURL`). */
  readonly base: string | undefined;
}

/**
 * Where a saved body goes. The main thread names the temporary file, so that it can remove it when
 * the worker writing it dies (a crash, `close({ force })`), once that worker has exited.
 */
export interface SaveSpec {
  /** The absolute path the body ends up at, renamed there once complete. */
  readonly path: string;
  /** The temporary file the worker writes first, a sibling of `path`; created exclusively. */
  readonly partial: string;
}

/** The session's cookie jar, as the worker calls it on the main thread for each hop of a request. */
export interface CookieJarRemote {
  /** The Cookie header to send to `url` (empty for none). */
  cookieFor(url: string): Promise<string>;
  /** Stores the set-cookie headers of a response from `url`. */
  store(url: string, setCookies: readonly string[]): Promise<void>;
}

/** One text part of a multipart body. */
export interface MultipartPart {
  readonly name: string;
  readonly value: string;
}

/**
 * A FormData body of text parts: FormData itself does not cross threads. The worker rebuilds it. A
 * FormData with Blob parts crosses as its encoding instead (see `bufferBody`): no Blob goes to a
 * worker, where reading one made of a file's Blob brings the process down.
 */
export interface MultipartSpec {
  readonly kind: 'multipart';
  readonly parts: readonly MultipartPart[];
}

/**
 * A request body as it crosses to the worker: bytes or text, multipart parts, or a ReadableStream of
 * bytes transferred to the worker (a streamed upload: never buffered on the main thread, and it cannot
 * be replayed, so redirects are not followed and retries do not apply).
 */
export type BodySpec = Uint8Array | string | MultipartSpec | ReadableStream<Uint8Array> | undefined;

/** How a request is carried: redirects, limits and per-phase timeouts. */
export interface TransportSpec {
  /** Follow redirects (true), or return 3xx responses as they are (false). */
  readonly followRedirects: boolean;
  /** Redirects followed at most; one more fails with TF_ERR_TOO_MANY_REDIRECTS. */
  readonly maxRedirects: number;
  /** Most decoded body bytes accepted. */
  readonly maxResponseSize: number;
  /** ms to establish a connection. */
  readonly connectTimeout: number;
  /** ms from sending to the response headers. */
  readonly headersTimeout: number;
  /** ms the body may stall between chunks. */
  readonly bodyTimeout: number;
  /** TLS settings for https: origins; undefined: Node's defaults (verification on). */
  readonly tls: TlsSpec | undefined;
  /** Negotiate HTTP/2 over TLS (ALPN) where the server offers it. */
  readonly http2: boolean;
  /** Proxy to go through; undefined: direct. */
  readonly proxy: ProxySpec | undefined;
  /** Retry policy; undefined: no retries. */
  readonly retry: RetrySpec | undefined;
  /** Names the connection pool for these settings (connect timeout, TLS, HTTP/2, proxy, retry): equal settings, one pool. */
  readonly poolKey: string;
}

/** TLS options, as Node's tls.connect takes them. */
export interface TlsSpec {
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
}

/** A fixed proxy, or the HTTP_PROXY / HTTPS_PROXY / NO_PROXY values read on the main thread. */
export type ProxySpec =
  | { readonly uri: string }
  | { readonly httpProxy: string | undefined; readonly httpsProxy: string | undefined; readonly noProxy: string | undefined };

/** undici's retry interceptor options. */
export interface RetrySpec {
  readonly maxRetries: number;
  readonly methods: readonly string[];
  readonly statusCodes: readonly number[];
  readonly errorCodes: readonly string[];
  readonly minTimeout: number;
  readonly maxTimeout: number;
  readonly timeoutFactor: number;
  readonly retryAfter: boolean;
}

/**
 * Worker-side timestamps, epoch milliseconds with sub-millisecond precision:
 * [received, headers, bodyDone, callbackDone, posted].
 */
export type WorkerTimes = [number, number, number, number, number];

/**
 * A request that completed with a response (any HTTP status). What the main thread already knows is
 * left out, so that a small response costs fewer strings and keys to send and read back.
 */
export interface SuccessEnvelope {
  readonly id: number;
  readonly ok: true;
  readonly status: number;
  /** The server's reason phrase; absent when empty or the standard one for the status. */
  readonly statusText?: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The final URL; absent when it is the request's own. */
  readonly url?: string;
  /** Present (true) when a redirect was followed. */
  readonly redirected?: true;
  /**
   * Milliseconds of the request's HTTP phases (from its start in the worker to its body's end) that
   * its worker spent running other requests' callbacks; absent when none.
   */
  readonly blocked?: number;
  /** The body bytes; absent when empty or dropped (keepBody: false). */
  readonly body?: Uint8Array;
  /** The background callback's return value; absent when undefined. */
  readonly data?: unknown;
  readonly times: WorkerTimes;
  /** Present when the spec asked for it (`log`). */
  readonly log?: WorkerLog;
}

/** Something a request went through in the worker, for the session's logger. `at` is epoch ms. */
export type WorkerEvent =
  | { readonly event: 'redirect'; readonly at: number; readonly status: number; readonly location: string }
  | { readonly event: 'retry'; readonly at: number; readonly attempt: number; readonly status?: number; readonly code?: string };

/** A logged request's worker side: the thread that ran it and what happened there (spec.log). */
export interface WorkerLog {
  readonly threadId: number;
  readonly events: readonly WorkerEvent[];
}

/** A request that failed in the worker. */
export interface FailureEnvelope {
  readonly id: number;
  readonly ok: false;
  readonly error: SerializedError;
  readonly times: WorkerTimes;
  /** Present when the spec asked for it (`log`). */
  readonly log?: WorkerLog;
}

export type ResultEnvelope = SuccessEnvelope | FailureEnvelope;

/** worker -> main, on the lane. */
export interface ResultsMessage {
  readonly type: typeof MessageType.results;
  readonly results: ResultEnvelope[];
}

/** worker -> main, on the lane: download progress of one request, throttled. */
export interface ProgressMessage {
  readonly type: typeof MessageType.progress;
  readonly id: number;
  readonly loaded: number;
  /** Bytes expected, when the server said and the body is not encoded. */
  readonly total: number | undefined;
}

/** Why a request is being cancelled. */
export type CancelReason = 'cancel' | 'timeout' | 'close';

/** main -> worker, on the lane running those requests. */
export interface CancelMessage {
  readonly type: typeof MessageType.cancel;
  readonly ids: readonly number[];
  readonly reason: CancelReason;
}

/** main -> worker, at close: flush stdout and stderr, then answer {@link DrainedMessage}. */
export interface DrainMessage {
  readonly type: typeof MessageType.drain;
}

/** worker -> main, on the lane: everything the worker wrote to stdout and stderr has been delivered. */
export interface DrainedMessage {
  readonly type: typeof MessageType.drained;
}

/** What the main thread sends on a lane. */
export type LaneMessage = BatchMessage | CancelMessage | DrainMessage;

/** This thread's start, epoch ms: fixed for the thread's life, and its getter costs more than `now()`. */
const timeOrigin = performance.timeOrigin;

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export function epochNow(): number {
  return timeOrigin + performance.now();
}
