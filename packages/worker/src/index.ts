/**
 * @threadfetch/worker: the code that runs on worker threads, the wire protocol, and the types that
 * background callback authors import.
 */

export * from './error-wire.js';
export * from './errors.js';
export * from './protocol/messages.js';
export * from './protocol/stream.js';
export { redactHeaders, redactUrl } from './redact.js';
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
