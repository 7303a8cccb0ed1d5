/**
 * Streaming: three ways to handle a body too large to hold. `session.stream()` gives the main thread a
 * web stream fed from the worker with backpressure, here piped into a hash; `saveTo` writes the body to
 * a file inside the worker; a streaming callback consumes the body in the worker as it arrives, in
 * constant memory, and only its result crosses back.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { FuturesSession } from '@threadfetch/core';
import { deadline } from './support/deadline.js';
import { startServer } from './support/local-server.js';
import { patternBytes } from './support/routes.js';

deadline('streaming', 90);

await using server = await startServer();
await using session = new FuturesSession<typeof import('./callbacks/streams.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/streams.js', import.meta.url),
  maxWorkers: 2,
});
const size = 20_000_000;
const expected = createHash('sha256').update(patternBytes(0, size)).digest('hex');

// 1. session.stream(): resolves at the headers; the body arrives in chunks transferred from the worker,
//    which reads from the socket only as fast as this side reads. Piped into a hash here.
const streamed = await session.stream(`/download/${size}`);
assert.equal(streamed.status, 200);
assert.equal(streamed.headers.get('content-length'), String(size));
const hash = createHash('sha256');
let chunks = 0;
const source = Readable.fromWeb(streamed.body as NodeReadableStream<Uint8Array>).on('data', () => chunks++);
await pipeline(source, hash);
const streamedHash = hash.digest('hex');
console.log(`session.stream(): ${chunks} chunks piped into sha256: ${streamedHash === expected ? 'matches' : 'DIFFERS'}`);
assert.equal(streamedHash, expected);

// 2. saveTo: the worker writes the file; nothing crosses to the main thread.
const dir = await mkdtemp(join(tmpdir(), 'threadfetch-streaming-'));
try {
  const file = join(dir, 'download.bin');
  const saved = await session.get(`/download/${size}`, { saveTo: file });
  const onDisk = await readFile(file);
  const savedHash = createHash('sha256').update(onDisk).digest('hex');
  console.log(
    `saveTo: ${onDisk.byteLength} bytes written by the worker (sha256 ${savedHash === expected ? 'matches' : 'DIFFERS'}), res.body ${saved.body.byteLength} bytes`,
  );
  assert.equal(saved.status, 200);
  assert.equal(saved.body.byteLength, 0);
  assert.equal(onDisk.byteLength, size);
  assert.equal(savedHash, expected);
} finally {
  await rm(dir, { recursive: true, force: true });
}

// 3. Streaming callbacks: hash a 500 MB download and count four million lines (about 100 MB) without
//    holding either body; maxResponseSize, which bounds bodies held in memory, does not apply to them.
const large = 500_000_000;
const largeHash = createHash('sha256');
for (let at = 0; at < large; at += 4_000_000) largeHash.update(patternBytes(at, Math.min(4_000_000, large - at)));
const largeExpected = largeHash.digest('hex');
const digest = await session.get(`/download/${large}`, { background: 'sha256', maxResponseSize: 1_000_000 });
console.log(
  `streaming callback sha256: ${(digest.data.bytes / 1e6).toFixed(0)} MB, ${digest.data.sha256 === largeExpected ? 'matches' : 'DIFFERS'}; ` +
    `the worker's memory grew by ${digest.data.growthMb.toFixed(1)} MB meanwhile`,
);
assert.equal(digest.data.sha256, largeExpected);
assert.equal(digest.data.bytes, large);
assert.ok(digest.data.growthMb < 100, 'a 500 MB body hashed in a worker whose memory grew by less than 100 MB');
assert.equal(digest.body.byteLength, 0, 'a streaming callback leaves no body to send back');

const lines = 4_000_000;
let lineBytes = 0;
for (let i = 0; i < lines; i++) lineBytes += `line ${i} of ${lines}\n`.length;
const counted = await session.get(`/lines/${lines}`, { background: 'countLines', maxResponseSize: 1_000_000 });
console.log(
  `streaming callback countLines: ${counted.data.lines} lines in ${(counted.data.bytes / 1e6).toFixed(1)} MB; ` +
    `the worker's memory grew by ${counted.data.growthMb.toFixed(1)} MB meanwhile`,
);
assert.equal(counted.data.lines, lines);
assert.equal(counted.data.bytes, lineBytes);
// maxResponseSize (1 MB here) bounds bodies held in memory: had the body been held, the request would have
// failed. The memory the worker grew by is chunks not yet garbage-collected, far below the body's size.
assert.ok(counted.data.growthMb < lineBytes / 1e6, 'the body was never held whole');
console.log('streaming: ok');
