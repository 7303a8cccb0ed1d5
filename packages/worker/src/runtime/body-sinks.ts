/** Where a response body goes in the worker: into memory, into a file, or out through a port in chunks. */
import { createWriteStream } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MessagePort } from 'node:worker_threads';
import { type RequestRef, ResponseTooLargeError } from '../errors.js';
import { type StreamMessage, StreamMessageType } from '../protocol/stream.js';

/** Told how many body bytes have been read so far. */
export type OnBytes = (loaded: number) => void;

/** Reads a stream into one fresh buffer of exactly its size, stopping past `limit` bytes. */
export async function readAll(body: Readable, limit: number, ref: RequestRef, onBytes?: OnBytes): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLargeError(`response body exceeds maxResponseSize (${limit} bytes, after decoding)`, { request: ref });
    }
    chunks.push(chunk);
    onBytes?.(size);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Writes the body to `path` (created or truncated) in constant memory; resolves with the byte count. */
export async function saveFile(body: Readable, path: string, onBytes?: OnBytes): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      size += chunk.byteLength;
      onBytes?.(size);
      done(null, chunk);
    },
  });
  await pipeline(body, counter, createWriteStream(path));
  return size;
}

/** How many chunks may be in flight to the main thread before the worker waits for credit. */
export const streamWindow = 8;

/**
 * Sends the body through `port` as transferred chunks, with credit-based backpressure: at most
 * {@link streamWindow} chunks unacknowledged. The main thread's `cancel` message stops the body.
 */
export async function streamToPort(body: Readable, port: MessagePort, onBytes?: OnBytes): Promise<number> {
  let credit = streamWindow;
  let wake: (() => void) | undefined;
  let cancelled = false;
  port.on('message', (message: StreamMessage) => {
    if (message.type === StreamMessageType.credit) credit += message.n;
    else if (message.type === StreamMessageType.cancel) {
      cancelled = true;
      body.destroy();
    }
    wake?.();
  });
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      const copy = new Uint8Array(chunk);
      size += copy.byteLength;
      onBytes?.(size);
      port.postMessage({ type: StreamMessageType.chunk, chunk: copy } satisfies StreamMessage, [copy.buffer]);
      credit -= 1;
      while (credit <= 0 && !cancelled) await new Promise<void>((resolve) => (wake = resolve));
      if (cancelled) break;
    }
  } catch (error) {
    if (!cancelled) throw error;
  }
  if (!cancelled) port.postMessage({ type: StreamMessageType.end } satisfies StreamMessage);
  return size;
}
