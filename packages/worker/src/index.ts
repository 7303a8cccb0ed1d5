/**
 * @threadfetch/worker: what background callback authors import (the response and context types,
 * `streaming`) and the error classes. The code that runs on the worker threads is `./entry`; the wire
 * protocol, for @threadfetch/core, is `./protocol`.
 */

export { RemoteError } from './error-wire.js';
export * from './errors.js';
export type {
  BackgroundCallback,
  BackgroundResponse,
  CallbackContext,
  FollowUpRequest,
  StreamingBackgroundResponse,
  StreamingCallback,
} from './runtime/background-response.js';
export { streaming, toHeaders } from './runtime/background-response.js';
export type { Hooks } from './runtime/hooks.js';
export type { ResponseSnapshot, RunContext } from './runtime/run-task.js';
