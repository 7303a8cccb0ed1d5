/**
 * The per-request port of `session.stream()`: the worker sends the response head, then chunks
 * (transferred), progress reports (when asked for) and an end or error; the main thread sends credit as
 * it consumes chunks, or cancel. This port alone carries the outcome of a stream: the head or an error
 * settles its future, whatever the lane's result does (the two ports are not ordered with each other).
 * Either side closing the port ends the stream: the worker stops reading; the main thread, if neither
 * an end nor an error came, fails the body with what the executor reports (the worker crashed, the pool
 * was shut down) or with the lane's result.
 */
import type { SerializedError } from '../error-wire.js';

export const StreamMessageType = {
  head: 'head',
  chunk: 'chunk',
  progress: 'progress',
  end: 'end',
  error: 'error',
  credit: 'credit',
  cancel: 'cancel',
} as const;

export type StreamMessage =
  | {
      readonly type: typeof StreamMessageType.head;
      readonly status: number;
      readonly statusText: string;
      readonly headers: Record<string, string | string[] | undefined>;
      readonly url: string;
      readonly redirected: boolean;
    }
  | { readonly type: typeof StreamMessageType.chunk; readonly chunk: Uint8Array }
  /** Bytes read so far, sent in order with the chunks, so the last one comes before the end. */
  | { readonly type: typeof StreamMessageType.progress; readonly loaded: number; readonly total: number | undefined }
  | { readonly type: typeof StreamMessageType.end }
  | { readonly type: typeof StreamMessageType.error; readonly error: SerializedError }
  | { readonly type: typeof StreamMessageType.credit; readonly n: number }
  | { readonly type: typeof StreamMessageType.cancel };
