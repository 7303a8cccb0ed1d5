/** Where a response body goes in the worker: into memory, into a file, or out through a port in chunks. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MessagePort } from 'node:worker_threads';
import { type RequestRef, ResponseTooLargeError, SaveFailedError } from '../errors.js';
import type { SaveSpec } from '../protocol/messages.js';
import { type StreamMessage, StreamMessageType } from '../protocol/stream.js';
import type { Cancellation } from './cancellation.js';

/**
 * Stops a body nobody will read. undici's body emits an abort error when destroyed unread, and an
 * unheard 'error' event would take the whole worker down, so it is heard here.
 */
export function discard(body: Readable): void {
  body.on('error', noop);
  body.destroy();
}

function noop(): void {}

/** Told how many body bytes have been read so far. */
export type OnBytes = (loaded: number) => void;

/**
 * Reads a stream into one fresh buffer of exactly its size, stopping past `limit` bytes. Events, not
 * `for await`: an async iterator costs a promise per chunk, which showed in the worker's profile.
 */
export function readAll(body: Readable, limit: number, ref: RequestRef, onBytes?: OnBytes): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > limit) {
        body.off('data', onData);
        discard(body);
        reject(new ResponseTooLargeError(`response body exceeds maxResponseSize (${limit} bytes, after decoding)`, { request: ref }));
        return;
      }
      chunks.push(chunk);
      onBytes?.(size);
    };
    body.on('data', onData);
    body.once('error', reject);
    body.once('end', () => {
      const out = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(out);
    });
  });
}

/**
 * Writes the body to `path` in constant memory; resolves with the byte count. The bytes go to the
 * temporary file `partial` (named by the main thread, which removes it if this worker dies), renamed
 * over `path` once complete, so `path` never holds half a body: a failed download leaves any earlier
 * file there as it was.
 */
export async function saveFile(body: Readable, { path, partial }: SaveSpec, ref: RequestRef, onBytes?: OnBytes): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      size += chunk.byteLength;
      onBytes?.(size);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, path);
    return size;
  } catch (error) {
    await rm(partial, { force: true }).catch(noop);
    if (isFileError(error)) throw new SaveFailedError(`saveTo could not write ${path}: ${(error as Error).message}`, { cause: error, request: ref });
    throw error;
  }
}

function isFileError(error: unknown): boolean {
  return typeof (error as { syscall?: unknown })?.syscall === 'string' && typeof (error as { path?: unknown }).path === 'string';
}

/** How many chunks may be in flight to the main thread before the worker waits for credit. */
export const streamWindow = 8;

/**
 * Sends the body through `port` as transferred chunks, with credit-based backpressure: at most
 * {@link streamWindow} chunks unacknowledged. The main thread's `cancel` message, or its side of the
 * port closing, stops the body: resolves false. The request's `signal` (cancelled on the lane) rejects
 * with its reason, even while waiting for credit. Resolves true once the body was sent whole; the caller
 * sends the end, after the last progress report.
 */
export async function streamToPort(body: Readable, port: MessagePort, signal: Cancellation, onBytes?: OnBytes): Promise<boolean> {
  let credit = streamWindow;
  let wake: (() => void) | undefined;
  let cancelled = false;
  const stop = () => {
    if (!cancelled) discard(body);
    cancelled = true;
    wake?.();
  };
  const onMessage = (message: StreamMessage) => {
    if (message.type === StreamMessageType.credit) credit += message.n;
    else if (message.type === StreamMessageType.cancel) stop();
    wake?.();
  };
  const onAbort = () => wake?.();
  port.on('message', onMessage);
  port.once('close', stop);
  signal.once('abort', onAbort);
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      const copy = new Uint8Array(chunk);
      size += copy.byteLength;
      onBytes?.(size);
      port.postMessage({ type: StreamMessageType.chunk, chunk: copy } satisfies StreamMessage, [copy.buffer]);
      credit -= 1;
      while (credit <= 0 && !cancelled && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
      if (cancelled) break;
      if (signal.aborted) throw signal.reason;
    }
  } catch (error) {
    if (!cancelled) throw error;
  } finally {
    port.off('message', onMessage);
    port.off('close', stop);
    signal.off('abort', onAbort);
  }
  return !cancelled;
}
