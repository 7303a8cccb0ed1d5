/**
 * Streaming: three ways to handle a body too large to hold. `session.stream()` gives the main thread a
 * web stream fed from the worker with backpressure; `saveTo` writes the body to a file inside the
 * worker; a streaming callback consumes the body in the worker as it arrives, in constant memory.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuturesSession } from '@threadfetch/core';
import { startServer } from './support/local-server.js';
import { patternBytes } from './support/routes.js';

await using server = await startServer();
await using session = new FuturesSession<typeof import('./callbacks/streams.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/streams.js', import.meta.url),
  maxWorkers: 2,
});
const size = 20_000_000;
const expected = createHash('sha256').update(patternBytes(0, size)).digest('hex');

// 1. session.stream(): resolves at the headers; the body arrives in chunks transferred from the worker.
const streamed = await session.stream(`/download/${size}`);
assert.equal(streamed.status, 200);
const hash = createHash('sha256');
let chunks = 0;
for await (const chunk of streamed.body) {
  hash.update(chunk);
  chunks++;
}
console.log(`session.stream(): ${chunks} chunks, sha256 ${hash.digest('hex') === expected ? 'matches' : 'DIFFERS'}`);
assert.equal(createHash('sha256').update(patternBytes(0, size)).digest('hex'), expected);

// 2. saveTo: the worker writes the file; nothing crosses to the main thread.
const dir = await mkdtemp(join(tmpdir(), 'threadfetch-streaming-'));
try {
  const file = join(dir, 'download.bin');
  const saved = await session.get(`/download/${size}`, { saveTo: file });
  const onDisk = await readFile(file);
  console.log(`saveTo: ${(await stat(file)).size} bytes written by the worker, res.body ${saved.body.byteLength} bytes`);
  assert.equal(saved.body.byteLength, 0);
  assert.equal(createHash('sha256').update(onDisk).digest('hex'), expected);
} finally {
  await rm(dir, { recursive: true, force: true });
}

// 3. Streaming callbacks: hash 20 MB and count a million lines without holding either body.
const digest = await session.get(`/download/${size}`, { background: 'sha256' });
console.log(`streaming callback sha256: ${digest.data.bytes} bytes, ${digest.data.sha256 === expected ? 'matches' : 'DIFFERS'}`);
assert.deepEqual(digest.data, { sha256: expected, bytes: size });
const lines = await session.get('/lines/1000000', { background: 'countLines' });
console.log(`streaming callback countLines: ${lines.data.lines} lines (~25 MB), worker heap peaked at ${lines.data.peakHeapMb.toFixed(0)} MB`);
assert.equal(lines.data.lines, 1_000_000);
assert.ok(lines.data.peakHeapMb < 64, 'the body was never held whole');
console.log('streaming: ok');
