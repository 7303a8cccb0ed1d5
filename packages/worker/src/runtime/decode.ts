/** Content decoding (gzip, deflate, br, and zstd where the runtime has it) with a limit on decoded size. */
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { DecodeError, type RequestRef } from '../errors.js';
import { discard } from './body-sinks.js';

type DecoderFactory = () => Transform;

const zstd = (zlib as unknown as { createZstdDecompress?: DecoderFactory }).createZstdDecompress;

/** A Map, not an object: a coding named `constructor` or `__proto__` must not find an Object property. */
const decoders = new Map<string, DecoderFactory>([
  ['gzip', () => zlib.createGunzip()],
  ['x-gzip', () => zlib.createGunzip()],
  ['deflate', () => zlib.createInflate()],
  ['br', () => zlib.createBrotliDecompress()],
  ...(zstd ? [['zstd', zstd] as const] : []),
]);

/** Codings decoded at most, as undici caps them: a longer chain is refused, not a resource to exhaust. */
export const maxCodings = 5;

/** The `accept-encoding` sent unless the caller sets one (or removes it). */
export const acceptEncoding = [...decoders.keys()].filter((name) => name !== 'x-gzip').join(', ');

/** Statuses whose response has no body, whatever its headers say (RFC 9110 6.4.1). */
const bodilessStatuses = new Set([101, 103, 204, 205, 304]);

/** true when the response to `method` with `status` has no body to decode: HEAD, 204, 304, ... */
export function isBodiless(method: string, status: number): boolean {
  return method === 'HEAD' || bodilessStatuses.has(status);
}

/**
 * The body as it should be read: decoded through each listed content coding, outermost last (RFC 9110
 * 8.4). An unknown coding leaves the body as it came, as fetch does; more than {@link maxCodings}
 * codings throw TF_ERR_DECODE (the body is discarded).
 */
export function decodedBody(body: Readable, contentEncoding: string | string[] | undefined, request: RequestRef): Readable {
  if (contentEncoding === undefined) return body;
  const codings = String(contentEncoding)
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length > maxCodings) {
    discard(body);
    throw new DecodeError(`more than ${maxCodings} content codings (${codings.join(', ')}); refused`, { request });
  }
  if (codings.length === 0 || codings.some((c) => !decoders.has(c))) return body;
  const stages = codings.reverse().map((c) => (decoders.get(c) as DecoderFactory)());
  return (pipeline as (...streams: unknown[]) => Readable)(body, ...stages, () => undefined);
}
