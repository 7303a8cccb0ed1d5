/**
 * The per-request port of `session.stream()`: the worker sends the response head, then chunks
 * (transferred) and an end or error; the main thread sends credit as it consumes chunks, or cancel.
 */
import type { SerializedError } from '../error-wire.js';

export const StreamMessageType = {
  head: 'head',
  chunk: 'chunk',
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
  | { readonly type: typeof StreamMessageType.end }
  | { readonly type: typeof StreamMessageType.error; readonly error: SerializedError }
  | { readonly type: typeof StreamMessageType.credit; readonly n: number }
  | { readonly type: typeof StreamMessageType.cancel };
