/** Request bodies on the main thread: checked, encoded, and put in the form that crosses to the worker. */
import { InvalidArgumentError } from '@threadfetch/worker';
import type { BodySpec, MultipartPart } from '@threadfetch/worker/protocol';

/** What `body` accepts. */
export type BodyInit =
  | string
  | Uint8Array
  | ArrayBuffer
  | URLSearchParams
  | FormData
  | Blob
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>;

/** Streamed bodies the worker reads whole before sending, so that they can be sent again (`bufferBody`). */
export const bufferedBodies = new WeakSet<ReadableStream>();

const allowed = 'a string, Uint8Array, ArrayBuffer, URLSearchParams, FormData, Blob (or File), ReadableStream or async iterable of bytes';

/** Encodes `json` or `body`, setting content-type where the encoding decides it. */
export function encodeBody(json: unknown, body: unknown, headers: Record<string, string>): BodySpec {
  if (json !== undefined && body !== undefined) throw new InvalidArgumentError('json and body cannot both be given; pick one');
  if (json !== undefined) return encodeJson(json, headers);
  if (body === undefined || typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  // The multipart content-type carries the boundary; one set here would not match it.
  if (body instanceof FormData) {
    if (headers['content-type'] !== undefined)
      throw new InvalidArgumentError('a FormData body sets its own content-type (with the boundary); remove the header');
    // Text parts only: rebuilt in the worker, as cheap to send again as the text itself.
    const parts: MultipartPart[] = [];
    let blobs = false;
    for (const [name, value] of body.entries()) {
      if (typeof value === 'string') parts.push({ name, value });
      else blobs = true;
    }
    if (!blobs) return { kind: 'multipart', parts };
    // Blob parts are read here, where they were made: one made of a file's Blob brings the process down
    // when a worker reads it. The encoding streams to the worker, which reads it whole (bufferBody).
    const encoded = new Response(body);
    headers['content-type'] = encoded.headers.get('content-type') as string;
    const stream = encoded.body as ReadableStream<Uint8Array>;
    bufferedBodies.add(stream);
    return stream;
  }
  // A Blob or File goes with its size as content-length, read here as it is sent: a streamed body,
  // never whole in memory. It never crosses threads as a Blob: Node refuses to clone a file's Blob, and
  // one made of a file's Blob (new Blob([fileBlob])) clones but brings the process down when another
  // thread reads it.
  if (body instanceof Blob) {
    headers['content-length'] = String(body.size);
    if (body.type !== '') headers['content-type'] ??= body.type;
    return body.stream() as ReadableStream<Uint8Array>;
  }
  if (body instanceof ReadableStream) {
    if (body.locked) throw new InvalidArgumentError('body is a ReadableStream that is already locked (being read)');
    return body as ReadableStream<Uint8Array>;
  }
  if (typeof (body as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function') {
    return ReadableStream.from(body as AsyncIterable<Uint8Array>);
  }
  throw new InvalidArgumentError(`body must be ${allowed}, got ${Object.prototype.toString.call(body)}`);
}

function encodeJson(json: unknown, headers: Record<string, string>): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(json);
  } catch (error) {
    throw new InvalidArgumentError(`json cannot be serialized: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new InvalidArgumentError('json must be a JSON-serializable value (not a function, symbol or undefined)');
  headers['content-type'] ??= 'application/json';
  return text;
}
