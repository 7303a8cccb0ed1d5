/**
 * A streamed request body in the worker: the ReadableStream transferred from the main thread, read
 * chunk by chunk as undici writes it to the socket. The transfer is Node's own: chunks cross a
 * MessagePort one pull at a time, so the producer on the main thread runs no further ahead than what
 * undici has taken (the socket's buffers and a few chunks). A source that fails, or yields anything but
 * bytes or text, is TF_ERR_UPLOAD_FAILED.
 */
import { type RequestRef, UploadError } from '../errors.js';
import type { Cancellation } from './cancellation.js';

/** The reader of each stream being sent, so the request can end its source however it ends. */
const readers = new WeakMap<ReadableStream<unknown>, ReadableStreamDefaultReader<unknown>>();
/** Streams released before their end: the generator throws rather than end, so no server takes a cut body as whole. */
const released = new WeakSet<ReadableStream<unknown>>();
const encoder = new TextEncoder();

/** The stream as undici takes a body: an async iterable of bytes, read only as undici asks. */
export async function* uploadSource(stream: ReadableStream<unknown>, ref: RequestRef): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  readers.set(stream, reader);
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        throw new UploadError(`the request body stream failed: ${(error as Error)?.message ?? error}`, { cause: error, request: ref });
      }
      if (next.done) {
        if (released.has(stream)) throw new UploadError('the request ended before its body was sent whole', { request: ref });
        return;
      }
      const chunk = next.value;
      if (chunk instanceof Uint8Array) yield chunk;
      else if (typeof chunk === 'string') yield encoder.encode(chunk);
      else throw new UploadError(`a streamed body must yield Uint8Array or string chunks, got ${Object.prototype.toString.call(chunk)}`, { request: ref });
    }
  } finally {
    // Done: a no-op. Stopped early (undici gave up, a bad chunk): the source on the main thread is cancelled.
    reader.cancel().catch(noop);
  }
}

/**
 * The stream read whole, for a body that must be sendable again (`bufferBody`); an abort stops the
 * reading and cancels the source.
 */
export async function wholeBody(stream: ReadableStream<unknown>, ref: RequestRef, signal: Cancellation): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of uploadSource(stream, ref)) {
      if (signal.aborted) throw signal.reason;
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch (error) {
    releaseUpload(stream);
    throw error;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Ends a streamed body's source once its request is over, whether or not undici started reading it
 * (a request cancelled or failed before its body was sent would otherwise leave the producer on the
 * main thread waiting forever). A body sent whole is not touched.
 */
export function releaseUpload(stream: ReadableStream<unknown>): void {
  released.add(stream);
  const reader = readers.get(stream);
  if (reader) reader.cancel().catch(noop);
  else if (!stream.locked) stream.cancel().catch(noop);
}

function noop(): void {}
