/** The request body as undici takes it: multipart text parts rebuilt into a FormData, a stream read with coded errors. */
import { Readable } from 'node:stream';
// undici's own FormData: the global one belongs to Node's bundled undici, which this undici cannot encode.
import { FormData } from 'undici';
import type { RequestRef } from '../errors.js';
import type { BodySpec } from '../protocol/messages.js';
import { uploadSource } from './upload-source.js';

type UndiciBody = string | Uint8Array | FormData | Readable | null;

export function isStreamBody(body: BodySpec): body is ReadableStream<Uint8Array> {
  return body instanceof ReadableStream;
}

/** A fresh body for each send: a FormData can be encoded again (a 307 re-sends it), a stream cannot. */
export function requestBody(body: BodySpec, ref: RequestRef): UndiciBody {
  if (body === undefined) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  // A Node Readable, not the bare generator: undici's retry and redirect handlers see a Readable that
  // was read as disturbed and pass the response through, where a spent generator would be sent again
  // as an empty body. One chunk at most waits here (highWaterMark 1 byte): backpressure holds.
  if (isStreamBody(body)) return Readable.from(uploadSource(body, ref), { objectMode: false, highWaterMark: 1 });
  const form = new FormData();
  for (const part of body.parts) form.append(part.name, part.value);
  return form;
}
