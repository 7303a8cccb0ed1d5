/**
 * How request specs and result envelopes cross machines. Both are encoded with `v8.serialize`, the
 * structured-clone algorithm the threads already use: bytes (Uint8Array bodies, TLS keys), Infinity
 * limits, `undefined`, and whatever a callback may return (Map, Date, typed arrays) survive, which
 * JSON would not. A FormData's encoding (`bufferBody`) is read into bytes first. A spec travels as base64
 * inside the BullMQ job's JSON data; a result goes to Redis as raw bytes.
 * Producers and worker processes should run the same threadfetch (and Node major) version.
 *
 * Trust boundary: whoever can write to the Redis can make producers and worker processes
 * `v8.deserialize` structured data of their choosing (job data, result lists). That runs no code (no
 * functions or classes cross, only plain data, built-in objects and typed arrays), but the values can
 * have any shape, so what is read is checked before use: a result message that is not
 * {@link QueueResultMessage}-shaped throws here, and a worker process checks a job's data before it
 * runs it. Keep the Redis private to the producers and the worker processes (a password, TLS, a
 * private network), as it decides which requests the worker processes send.
 */
import { deserialize, serialize } from 'node:v8';
import type { RequestSpec } from '@threadfetch/worker/protocol';
import type { QueueResultMessage } from './result-message.js';
import { resultProblem, specProblem } from './validate.js';

/** Encodes a spec for the job's data (base64 text). Async: a FormData's encoding is read first. */
export async function encodeSpec(spec: RequestSpec): Promise<string> {
  // A run's bytes are copied into the job's data: there is no thread to move them to.
  let plain: RequestSpec = spec.run ? { ...spec, run: { ...spec.run, transfer: [] } } : spec;
  const body = spec.body;
  // A FormData with Blob parts, encoded on the main thread as a stream: read here, sent as its bytes.
  if (spec.bufferBody && body instanceof ReadableStream) {
    const { bufferBody: _read, ...rest } = spec;
    plain = { ...rest, body: new Uint8Array(await new Response(body).arrayBuffer()) };
  }
  return serialize(plain).toString('base64');
}

/** Decodes a spec from the job's data. Throws on text that is not one. */
export function decodeSpec(text: string): RequestSpec {
  const decoded: unknown = deserialize(Buffer.from(text, 'base64'));
  const problem = specProblem(decoded);
  if (problem) throw new TypeError(`not a request spec: ${problem}`);
  return decoded as RequestSpec;
}

/** Encodes a result message as bytes for the producer's result list. */
export function encodeResult(message: QueueResultMessage): Buffer {
  return serialize(message);
}

/** Decodes a result message; its body comes back as a Uint8Array view of the bytes read. Throws on bytes that are not one. */
export function decodeResult(bytes: Buffer): QueueResultMessage {
  const message: unknown = deserialize(bytes);
  const problem = resultProblem(message);
  if (problem) throw new TypeError(`not a result message: ${problem}`);
  return message as QueueResultMessage;
}
