/**
 * Progress: `onProgress` reports `{ loaded, total }` from the worker while a large body downloads,
 * at most every 100 ms and once at the end. Drawn as a progress bar (on one line in a terminal).
 */
import assert from 'node:assert/strict';
import { FuturesSession } from '@threadfetch/core';
import { startServer } from './support/local-server.js';

await using server = await startServer();
await using session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });

const size = 8_000_000;
const tty = process.stdout.isTTY === true;
const reports: { loaded: number; total: number | undefined }[] = [];

function bar(loaded: number, total: number | undefined): string {
  if (total === undefined) return `${(loaded / 1e6).toFixed(1)} MB`;
  const width = 30;
  const filled = Math.round((loaded / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((loaded / total) * 100).toFixed(0).padStart(3)}%  ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
}

// 8 MB in 64 KiB chunks, 8 ms apart: about a second, so there is something to watch.
const res = await session.get(`/download/${size}`, {
  query: { chunk: 65_536, pause: 8 },
  keepBody: false,
  onProgress: ({ loaded, total }) => {
    reports.push({ loaded, total });
    if (tty) process.stdout.write(`\r${bar(loaded, total)}`);
    else if (reports.length % 4 === 1) console.log(bar(loaded, total));
  },
});
if (tty) process.stdout.write('\n');
const last = reports.at(-1);
console.log(`${bar(last?.loaded ?? 0, last?.total)}: ${reports.length} progress reports for ${Math.ceil(size / 65_536)} chunks`);

assert.equal(res.status, 200);
assert.equal(res.body.byteLength, 0, 'keepBody: false: the bytes stayed in the worker');
assert.deepEqual(last, { loaded: size, total: size }, 'the last report is the whole body');
assert.ok(reports.length >= 3, 'reports came while the body downloaded');
assert.ok(reports.length < size / 65_536, 'reports are throttled, not one per chunk');
for (let i = 1; i < reports.length; i++) assert.ok((reports[i]?.loaded ?? 0) > (reports[i - 1]?.loaded ?? 0), 'loaded only grows');
console.log('progress: ok');
