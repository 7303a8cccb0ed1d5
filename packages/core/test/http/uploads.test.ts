/** Multipart FormData bodies, and streamed uploads that are never buffered on the main thread. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FuturesSession } from '@threadfetch/core';
import { type Origin, rejectsWith, sendJson, startHttp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;

before(async () => {
  origin = await startHttp(async (req, res, seen) => {
    if (req.url === '/form') {
      // Parse the multipart body the way a server framework would: with the WHATWG Response.
      const form = await new Response(seen.body, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
      const parts = [];
      for (const [name, value] of form) {
        if (typeof value === 'string') parts.push({ name, text: value });
        else parts.push({ name, file: value.name, type: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] });
      }
      sendJson(res, parts);
    } else if (req.url === '/hash') {
      sendJson(res, {
        bytes: seen.body.byteLength,
        sha256: createHash('sha256').update(seen.body).digest('hex'),
        chunked: req.headers['transfer-encoding'] === 'chunked',
      });
    } else if (req.url === '/moved') {
      res.writeHead(307, { location: '/hash' }).end();
    } else sendJson(res, { ok: true });
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});
after(async () => {
  await session.close({ force: true });
  await origin.close();
});

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

describe('multipart bodies (FormData)', () => {
  it('sends text and file parts, binary bytes intact, with file names and types', async () => {
    const form = new FormData();
    form.append('title', 'report');
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255, 13, 10, 45, 45]);
    form.append('file', new File([bytes], 'data.bin', { type: 'application/octet-stream' }));
    form.append('note', new Blob(['plain'], { type: 'text/plain' }));
    const res = await session.post('/form', { body: form });
    assert.deepEqual(res.json(), [
      { name: 'title', text: 'report' },
      { name: 'file', file: 'data.bin', type: 'application/octet-stream', bytes: [...bytes] },
      { name: 'note', file: 'blob', type: 'text/plain', bytes: [...Buffer.from('plain')] },
    ]);
    assert.match(String(origin.seen.at(-1)?.headers['content-type']), /^multipart\/form-data; boundary=/);
  });

  it('a content-type header with a FormData body is TF_ERR_INVALID_ARGUMENT (the boundary must match)', async () => {
    await rejectsWith(
      session.post('/form', { body: new FormData(), headers: { 'content-type': 'multipart/form-data' } }),
      'TF_ERR_INVALID_ARGUMENT',
      /boundary/,
    );
  });
});

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
    assert.equal(res.json<{ sha256: string }>().sha256, createHash('sha256').update('alpha,beta,gamma').digest('hex'));
  });

  it('backpressure: a server that does not read keeps the producer from running ahead', async () => {
    const server = http.createServer((req) => req.pause());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const p = producer(1024);
    const future = session.put(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { body: p.chunks, timeout: 2_000 });
    await sleep(500);
    // 64 MiB on offer; the socket and the kernel take some, the rest waits in the producer.
    assert.ok(p.pulled() < 256, `pulled ${p.pulled()} of 1024 chunks while the server read nothing`);
    await rejectsWith(future, 'TF_ERR_TIMEOUT');
    server.closeAllConnections();
    server.close();
  });

  it('a source that throws fails the request with TF_ERR_UPLOAD_FAILED, its error as cause', async () => {
    async function* failing() {
      yield new Uint8Array(10);
      throw new Error('disk read failed');
    }
    const error = await rejectsWith(session.put('/hash', { body: failing() }), 'TF_ERR_UPLOAD_FAILED', /disk read failed/);
    assert.ok(error.message.includes('/hash'));
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
    assert.equal(res.headers.get('location'), '/hash');
  });

  it('a locked ReadableStream is TF_ERR_INVALID_ARGUMENT', async () => {
    const stream = new ReadableStream<Uint8Array>();
    stream.getReader();
    await rejectsWith(session.post('/hash', { body: stream }), 'TF_ERR_INVALID_ARGUMENT', /locked/);
  });

  it('the worker serves on after a failed upload', async () => {
    assert.equal((await session.get('/ok')).status, 200);
  });
});
