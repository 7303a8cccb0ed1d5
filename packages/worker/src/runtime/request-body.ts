/** The request body as undici takes it: multipart parts rebuilt into a FormData, a stream read with coded errors. */
// undici's own FormData: the global one belongs to Node's bundled undici, which this undici cannot encode.
import { FormData } from 'undici';
import { type RequestRef, UploadError } from '../errors.js';
import type { BodySpec } from '../protocol/messages.js';

type UndiciBody = string | Uint8Array | FormData | AsyncIterable<Uint8Array> | null;

export function isStreamBody(body: BodySpec): body is ReadableStream<Uint8Array> {
  return body instanceof ReadableStream;
}

export function requestBody(body: BodySpec, ref: RequestRef): UndiciBody {
  if (body === undefined) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (isStreamBody(body)) return upload(body, ref);
  const form = new FormData();
  for (const part of body.parts) {
    if (typeof part.value === 'string') form.append(part.name, part.value);
    else form.append(part.name, part.value, part.filename);
  }
  return form;
}

/** Reads the transferred stream chunk by chunk; a failing source or a chunk that is not bytes is TF_ERR_UPLOAD_FAILED. */
async function* upload(stream: ReadableStream<unknown>, ref: RequestRef): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let chunk: unknown;
  try {
    for await (chunk of stream) {
      if (chunk instanceof Uint8Array) yield chunk;
      else if (typeof chunk === 'string') yield encoder.encode(chunk);
      else throw new TypeError(`a streamed body must yield Uint8Array or string chunks, got ${Object.prototype.toString.call(chunk)}`);
    }
  } catch (error) {
    throw new UploadError(`the request body stream failed: ${(error as Error)?.message ?? error}`, { cause: error, request: ref });
  }
}
