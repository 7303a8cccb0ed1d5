/** Streamed uploads: a ReadableStream or async iterable carried to the worker with backpressure, never buffered on the main thread. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { FuturesSession } from '@threadfetch/core';
import { selfSigned } from './certs.js';
import { type Origin, rejectsWith, sendJson, startHttp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
/** Keys of /flaky requests already answered 503. */
const failedOnce = new Set<string>();
/** Responses of /hold, answered when a test lets them go. */
const held: http.ServerResponse[] = [];

before(async () => {
  origin = await startHttp((req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hashed = () => sendJson(res, { bytes: seen.body.byteLength, sha256: sha256(seen.body), chunked: req.headers['transfer-encoding'] === 'chunked' });
    if (url.pathname === '/hash') hashed();
    else if (url.pathname === '/moved') res.writeHead(307, { location: '/hash' }).end();
    else if (url.pathname === '/flaky') {
      const key = url.searchParams.get('key') ?? '';
      if (failedOnce.has(key)) hashed();
      else {
        failedOnce.add(key);
        res.writeHead(503).end('try again');
      }
    } else if (url.pathname === '/hold') held.push(res);
    else sendJson(res, { ok: true });
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});
after(async () => {
  await session.close({ force: true });
  await origin.close();
});

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Resolves once `condition` holds, checking every turn of the event loop (the test's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await tick();
}

/** A server that does not read request bodies until `release()`, then hashes them. */
async function startGated(): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = http.createServer(async (req, res) => {
    await released;
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
    sendJson(res, { bytes, sha256: hash.digest('hex') });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    release,
    async close() {
      release();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** `count` chunks of 64 KiB, made lazily, counting how many were pulled. */
function producer(count: number): { pulled: () => number; hash: string; chunks: AsyncGenerator<Uint8Array> } {
  let pulled = 0;
  const hash = createHash('sha256');
  const chunk = (i: number) => new Uint8Array(65_536).fill(i % 256);
  for (let i = 0; i < count; i++) hash.update(chunk(i));
  async function* chunks() {
    for (let i = 0; i < count; i++) {
      pulled++;
      yield chunk(i);
    }
  }
  return { pulled: () => pulled, hash: hash.digest('hex'), chunks: chunks() };
}

describe('streamed uploads', () => {
  it('an async iterable of 16 MiB made lazily arrives whole', async () => {
    const p = producer(256);
    const res = await session.put('/hash', { body: p.chunks });
    assert.deepEqual(res.json(), { bytes: 256 * 65_536, sha256: p.hash, chunked: true });
  });

  it('a ReadableStream of strings and bytes arrives in order', async () => {
    const parts = ['alpha,', new TextEncoder().encode('beta,'), 'gamma'];
    const stream = new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    const res = await session.post('/hash', { body: stream as ReadableStream<Uint8Array> });
    assert.equal(res.json<{ sha256: string }>().sha256, sha256('alpha,beta,gamma'));
  });

  it('a Node Readable (a file read stream) is an async iterable: sent as it is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tf-upload-'));
    try {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      await writeFile(join(dir, 'data.bin'), bytes);
      const res = await session.put('/hash', { body: createReadStream(join(dir, 'data.bin')) });
      assert.deepEqual(res.json(), { bytes: bytes.byteLength, sha256: sha256(bytes), chunked: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('over HTTP/2 too', async () => {
    const pair = selfSigned();
    const server = http2.createSecureServer(pair, async (req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.byteLength;
      }
      res.end(JSON.stringify({ version: req.httpVersion, bytes, sha256: hash.digest('hex') }));
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (s: http2.ServerHttp2Session) => sessions.add(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const h2 = new FuturesSession({ maxWorkers: 1, tls: { ca: pair.cert }, http2: true });
    try {
      const p = producer(64);
      const res = await h2.put(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`, { body: p.chunks });
      assert.deepEqual(res.json(), { version: '2.0', bytes: 64 * 65_536, sha256: p.hash });
    } finally {
      await h2.close();
      for (const s of sessions) s.destroy();
      server.close();
    }
  });

  it('backpressure: while the server reads nothing the producer stays bounded; once it reads, all of it arrives', async () => {
    const server = await startGated();
    try {
      const p = producer(1024); // 64 MiB on offer
      const future = session.put(server.url, { body: p.chunks });
      await until(() => p.pulled() > 0);
      await sleep(500);
      // What left the producer sits in the kernel's socket buffers (about 4 MiB here) and a few chunks
      // in flight between the threads; without backpressure all 64 MiB would be pulled at once.
      assert.ok(p.pulled() < 256, `pulled ${p.pulled()} of 1024 chunks of 64 KiB while the server read nothing`);
      server.release();
      assert.deepEqual((await future).json(), { bytes: 1024 * 65_536, sha256: p.hash });
      assert.equal(p.pulled(), 1024);
    } finally {
      await server.close();
    }
  });

  it('cancelling an upload in flight ends its source (the generator’s finally runs)', async () => {
    const server = await startGated();
    try {
      let pulled = 0;
      let ended!: () => void;
      const finished = new Promise<void>((resolve) => {
        ended = resolve;
      });
      async function* endless() {
        try {
          for (;;) {
            pulled++;
            yield new Uint8Array(65_536);
          }
        } finally {
          ended();
        }
      }
      const future = session.put(server.url, { body: endless() });
      await until(() => pulled > 0);
      assert.equal(future.cancel(), true);
      await rejectsWith(future, 'TF_ERR_ABORTED');
      await finished;
    } finally {
      await server.close();
    }
  });

  it('a ReadableStream whose request is cancelled in the queue, never sent, is cancelled', async () => {
    const single = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, concurrencyPerWorker: 1 });
    try {
      const blocker = single.get('/hold');
      await until(() => held.length > 0);
      let cancelled!: (reason: unknown) => void;
      const cancelledWith = new Promise<unknown>((resolve) => {
        cancelled = resolve;
      });
      const body = new ReadableStream<Uint8Array>({ cancel: (reason) => cancelled(reason) });
      const queued = single.put('/hash', { body });
      assert.equal(queued.running, false);
      assert.equal(queued.cancel(), true);
      await rejectsWith(queued, 'TF_ERR_ABORTED');
      await cancelledWith;
      held.shift()?.end('done');
      assert.equal((await blocker).status, 200);
    } finally {
      await single.close();
    }
  });

  it('a source that throws fails the request with TF_ERR_UPLOAD_FAILED, its error as cause', async () => {
    async function* failing() {
      yield new Uint8Array(10);
      throw new Error('disk read failed');
    }
    const error = await rejectsWith(session.put('/hash', { body: failing() }), 'TF_ERR_UPLOAD_FAILED', /disk read failed/);
    assert.ok(error.message.includes('/hash'));
    assert.equal((error.cause as Error).message, 'disk read failed');
  });

  it('a ReadableStream that errors fails the request with TF_ERR_UPLOAD_FAILED', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(4));
        controller.error(new TypeError('source broke'));
      },
    });
    await rejectsWith(session.put('/hash', { body: stream }), 'TF_ERR_UPLOAD_FAILED', /source broke/);
  });

  it('a chunk that is not bytes or text fails with TF_ERR_UPLOAD_FAILED', async () => {
    async function* wrong() {
      yield 42 as unknown as Uint8Array;
    }
    await rejectsWith(session.put('/hash', { body: wrong() }), 'TF_ERR_UPLOAD_FAILED', /Uint8Array or string/);
  });

  it('a redirect is returned as it is: a streamed body cannot be sent twice', async () => {
    const res = await session.post('/moved', { body: producer(2).chunks });
    assert.equal(res.status, 307);
    assert.equal(res.redirected, false);
    assert.equal(res.headers.get('location'), '/hash');
  });

  it('retries do not apply to a streamed body: the 503 comes back and the body was sent once; a byte body is retried', async () => {
    const retrying = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, retry: { limit: 2, delay: 1, statusCodes: [503] } });
    try {
      const sent = (key: string) => origin.seen.filter((s) => s.url === `/flaky?key=${key}`).length;
      const streamed = await retrying.put('/flaky?key=stream', { body: producer(4).chunks });
      assert.equal(streamed.status, 503);
      assert.equal(sent('stream'), 1);
      const bytes = await retrying.put('/flaky?key=bytes', { body: new Uint8Array(8) });
      assert.equal(bytes.status, 200);
      assert.equal(sent('bytes'), 2);
    } finally {
      await retrying.close();
    }
  });

  it('a locked ReadableStream, or a sync iterable, is TF_ERR_INVALID_ARGUMENT', async () => {
    const stream = new ReadableStream<Uint8Array>();
    stream.getReader();
    await rejectsWith(session.post('/hash', { body: stream }), 'TF_ERR_INVALID_ARGUMENT', /locked/);
    await rejectsWith(session.post('/hash', { body: [new Uint8Array(1)] as never }), 'TF_ERR_INVALID_ARGUMENT', /async iterable/);
  });

  it('the worker serves on after failed uploads', async () => {
    assert.equal((await session.get('/ok')).status, 200);
  });
});
