/**
 * A streaming JSON reduction (geventhttpclient passes the response to its JSON parser as it is read):
 * a JSON array of more than 200 MB reduced in a worker by a streaming callback with a streaming JSON
 * parser. The worker's memory stays flat; only the summary crosses back to the main thread.
 */
import assert from 'node:assert/strict';
import { FuturesSession } from '@threadfetch/core';
import { deadline } from './support/deadline.js';
import { startServer } from './support/local-server.js';
import { streamedSummary } from './support/records.js';

deadline('json-reduce', 90);

await using server = await startServer();
await using session = new FuturesSession<typeof import('./callbacks/json-stream.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/json-stream.js', import.meta.url),
  maxWorkers: 1,
  timeout: 80_000,
});

const count = 850_000;
const started = performance.now();
// maxResponseSize bounds bodies held in memory; a streaming callback holds none, so 1 MB is no limit to it.
const res = await session.get(`/items/${count}`, { background: 'reduceItems', maxResponseSize: 1_000_000 });
const seconds = (performance.now() - started) / 1000;
const { bytes, growthMb, ...summary } = res.data;
console.log(
  `reduced ${summary.count} items from ${(bytes / 1e6).toFixed(0)} MB of JSON in ${seconds.toFixed(1)} s ` +
    `(${(bytes / 1e6 / seconds).toFixed(0)} MB/s); the worker's memory grew by ${growthMb.toFixed(1)} MB meanwhile`,
);
console.log(`summary: value ${summary.value}, max price ${summary.maxPrice}, ${summary.onSale} on sale`);
assert.deepEqual(summary, streamedSummary(count), 'the same summary as the items reduced on the main thread');
assert.ok(bytes > 200e6, 'a document of more than 200 MB');
assert.ok(growthMb < 64, 'the worker never held the document: its memory grew by less than 64 MB');
assert.equal(res.body.byteLength, 0, 'no body crosses back');
console.log('json-reduce: ok');
