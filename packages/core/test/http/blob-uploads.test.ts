/**
 * Blob and File bodies: sent with their length, read on the main thread as they are sent (a streamed
 * body), a file's (fs.openAsBlob) and one made of it included: no Blob crosses to a worker, where
 * reading one made of a file's brings the process down.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Origin, sendJson, startHttp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
let dir: string;
let file: string;
const bytes = randomBytes(3 * 1024 * 1024 + 7);
const failedOnce = new Set<string>();

interface Received {
  readonly bytes: number;
  readonly sha256: string;
  readonly length: string | null;
  readonly chunked: boolean;
  readonly type: string | null;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'threadfetch-blob-'));
  file = join(dir, 'upload.bin');
  await writeFile(file, bytes);
  origin = await startHttp((req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const received = (): void =>
      sendJson(res, {
        bytes: seen.body.byteLength,
        sha256: sha256(seen.body),
        length: req.headers['content-length'] ?? null,
        chunked: req.headers['transfer-encoding'] === 'chunked',
        type: req.headers['content-type'] ?? null,
      } satisfies Received);
    if (url.pathname === '/moved') res.writeHead(307, { location: '/hash' }).end();
    else if (url.pathname === '/flaky' && !failedOnce.has(url.search)) {
      failedOnce.add(url.search);
      res.writeHead(503).end('try again');
    } else received();
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('Blob and File bodies', () => {
  it('a file from fs.openAsBlob goes with its content-length, not chunked, and arrives whole', async () => {
    const res = await session.post('/hash', { body: await openAsBlob(file) });
    const got = res.json<Received>();
    assert.deepEqual(got, { bytes: bytes.byteLength, sha256: sha256(bytes), length: String(bytes.byteLength), chunked: false, type: null });
  });

  it("a Blob's type is the content-type unless one is set; a File is a Blob", async () => {
    const typed = await session.put('/hash', { body: await openAsBlob(file, { type: 'application/x-upload' }) });
    assert.equal(typed.json<Received>().type, 'application/x-upload');
    const own = await session.put('/hash', { body: new Blob(['abc'], { type: 'text/plain' }), headers: { 'content-type': 'text/csv' } });
    assert.equal(own.json<Received>().type, 'text/csv');
    const named = await session.post('/hash', { body: new File(['hello'], 'hello.txt', { type: 'text/plain' }) });
    assert.deepEqual(named.json<Received>(), { bytes: 5, sha256: sha256(Buffer.from('hello')), length: '5', chunked: false, type: 'text/plain' });
  });

  it('an empty Blob is sent as zero bytes with content-length: 0', async () => {
    const res = await session.post('/hash', { body: new Blob([]) });
    assert.equal(res.json<Received>().bytes, 0);
    assert.equal(res.json<Received>().length, '0');
  });

  it("a Blob made of a file's Blob (it clones, but no other thread may read it) is sent whole", async () => {
    const res = await session.post('/hash', { body: new Blob([await openAsBlob(file)]) });
    assert.equal(res.json<Received>().sha256, sha256(bytes));
    assert.equal(res.json<Received>().length, String(bytes.byteLength));
  });

  it('a streamed body: a 307 comes back as it is, and retries do not apply', async () => {
    const moved = await session.post('/moved', { body: new Blob([bytes]) });
    assert.equal(moved.status, 307);
    assert.equal(origin.seen.at(-1)?.body.byteLength, bytes.byteLength);
    const flaky = await session.put('/flaky?blob', { body: await openAsBlob(file), retry: { limit: 1, delay: 1 } });
    assert.equal(flaky.status, 503);
  });
});
