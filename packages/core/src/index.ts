/**
 * @threadfetch/core: HTTP requests, and the CPU-heavy work on their responses, on worker threads,
 * returned to the main thread as futures.
 */

export type {
  BackgroundCallback,
  BackgroundResponse,
  CallbackContext,
  FollowUpRequest,
  Hooks,
  ResponseSnapshot,
  RunContext,
  StreamingBackgroundResponse,
  StreamingCallback,
} from '@threadfetch/worker';
export {
  AbortedError,
  BodyIncompleteError,
  BodyTimeoutError,
  CallbackError,
  CallbacksModuleError,
  ConnectionRefusedError,
  ConnectionResetError,
  ConnectTimeoutError,
  ContentLengthMismatchError,
  DecodeError,
  DependencyError,
  type ErrorCode,
  HeadersTimeoutError,
  HttpStatusError,
  InvalidArgumentError,
  NetworkError,
  NotSupportedError,
  ProtocolError,
  QueueDataLostError,
  QueueFullError,
  RemoteError,
  type RequestRef,
  ResponseTooLargeError,
  ResultTimeoutError,
  ResultTooLargeError,
  SaveFailedError,
  SessionClosedError,
  SetupModuleError,
  streaming,
  ThreadfetchError,
  TimeoutError,
  TlsError,
  TooManyRedirectsError,
  UnknownCallbackError,
  UnknownHookError,
  UploadError,
  WorkerCrashedError,
  WorkerStuckError,
} from '@threadfetch/worker';
export type { Executor, Job } from './executor/job.js';
export { type ExecutorOptions, executorDefaults, type ResolvedExecutorOptions } from './executor/options.js';
export { type ExecutorStats, type LatencyPercentiles, Tally, type WorkerLoad } from './executor/stats.js';
export { ThreadExecutor } from './executor/thread-executor.js';
export { after, type Results } from './future/after.js';
export { type AsCompletedOptions, asCompleted, type CompletedFuture } from './future/as-completed.js';
export { Future, type FutureResolvers } from './future/future.js';
export { ReturnWhen, type WaitOptions, type WaitResult, wait } from './future/wait.js';
export { channels } from './observe/diagnostics.js';
export type { Logger } from './observe/logger.js';
export { Response, type Timings } from './response/response.js';
export { StreamResponse } from './response/stream-response.js';
export type { AnyCallbacks, BackgroundName, CallbackNames, DataOf, RunArg, RunArgs, RunResult } from './session/callback-types.js';
export { type RetryOptions, retryDefaults, type TlsOptions } from './session/connection.js';
export type { CookiesOption } from './session/cookies.js';
export { type CloseOptions, FuturesSession } from './session/futures-session.js';
export type { SessionOptions } from './session/options.js';
export { sessionDefaults } from './session/options.js';
export type { BodyInit } from './session/request-body.js';
export type { RequestInit, RequestOptions } from './session/request-options.js';
export type { RunOptions } from './session/run.js';
export { type Auth, type TransportOptions, transportDefaults } from './session/transport.js';
export type { HeadersInit, HeadersLike, QueryInit } from './session/validate.js';
