/**
 * @threadfetch/worker/protocol: the wire between the main thread and the workers, for @threadfetch/core.
 * Not for callback authors, whose API is the package's main entry.
 */

export { type DebugLog, debugLog, headersLine } from '../debug-log.js';
export * from '../error-wire.js';
export { redactHeaders, redactUrl } from '../redact.js';
export { acceptEncoding } from '../runtime/decode.js';
export * from './heartbeat.js';
export * from './messages.js';
export * from './stream.js';
