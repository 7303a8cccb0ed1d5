/**
 * @threadfetch/worker: the code that runs on worker threads, the wire protocol, and the types that
 * background callback authors import.
 */

export * from './errors.js';
export * from './protocol/messages.js';
export type { BackgroundCallback, BackgroundResponse, CallbackContext, FollowUpRequest } from './runtime/background-response.js';
export { toHeaders } from './runtime/background-response.js';
