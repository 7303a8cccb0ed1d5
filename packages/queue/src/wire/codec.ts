/**
 * How request specs and result envelopes cross machines. Both are encoded with `v8.serialize`, the
 * structured-clone algorithm the threads already use: bytes (Uint8Array bodies, TLS keys), Infinity
 * limits, `undefined`, and whatever a callback may return (Map, Date, typed arrays) survive, which
 * JSON would not. Blobs (multipart file parts) are read into bytes first. A spec travels as base64
 * inside the BullMQ job's JSON data; a result goes to Redis as raw bytes.
 * Producers and worker processes should run the same threadfetch (and Node major) version.
 */
import { deserialize, serialize } from 'node:v8';
import type { MultipartPart, RequestSpec } from '@threadfetch/worker/protocol';
import type { QueueResultMessage } from './result-message.js';

/** A multipart Blob part, as bytes. */
interface EncodedBlob {
  readonly $blob: Uint8Array;
  readonly type: string;
}

/** Encodes a spec for the job's data (base64 text). Async: multipart Blob parts are read first. */
export async function encodeSpec(spec: RequestSpec): Promise<string> {
  let plain: RequestSpec = spec;
  const body = spec.body;
  if (body && typeof body === 'object' && 'kind' in body && body.kind === 'multipart') {
    const parts = await Promise.all(
      body.parts.map(async (part): Promise<unknown> => {
        if (typeof part.value === 'string') return part;
        const encoded: EncodedBlob = { $blob: new Uint8Array(await part.value.arrayBuffer()), type: part.value.type };
        return { ...part, value: encoded };
      }),
    );
    plain = { ...spec, body: { kind: 'multipart', parts: parts as MultipartPart[] } };
  }
  return serialize(plain).toString('base64');
}

/** Decodes a spec from the job's data; multipart byte parts become Blobs again. */
export function decodeSpec(text: string): RequestSpec {
  const spec = deserialize(Buffer.from(text, 'base64')) as RequestSpec;
  const body = spec.body;
  if (body && typeof body === 'object' && 'kind' in body && body.kind === 'multipart') {
    const parts = body.parts.map((part) => {
      const value = part.value as unknown as string | EncodedBlob;
      return typeof value === 'string' ? part : { ...part, value: new Blob([value.$blob], { type: value.type }) };
    });
    return { ...spec, body: { kind: 'multipart', parts } };
  }
  return spec;
}

/** Encodes a result message as bytes for the producer's result list. */
export function encodeResult(message: QueueResultMessage): Buffer {
  return serialize(message);
}

/** Decodes a result message; its body comes back as a Uint8Array view of the bytes read. */
export function decodeResult(bytes: Buffer): QueueResultMessage {
  return deserialize(bytes) as QueueResultMessage;
}
