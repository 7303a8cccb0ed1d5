/** session.stream(): the head first, then the body as a web stream fed from the worker with backpressure. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type BackgroundServer, pattern, sha256Of, startBackgroundServer } from './helpers.js';

let server: BackgroundServer;
let session: FuturesSession;

before(async () => {
  server = await startBackgroundServer();
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});
after(async () => {
  await session.close({ force: true });
  await server.close();
});

async function readAll(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Waits until the server has written nothing more for a while: the download has stalled (or ended). */
async function stalled(key: string): Promise<number> {
  let last = -1;
  let still = 0;
  for (let i = 0; i < 1_000 && still < 5; i++) {
    await sleep(40);
    const now = server.written.get(key) ?? 0;
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

describe('session.stream', () => {
  it('resolves at the headers, then delivers every byte in order', async () => {
    const size = 5_000_000;
    const res = await session.stream('/download', { query: { size } });
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.equal(res.url, `${server.url}/download?size=${size}`);
    assert.equal(res.headers.get('content-length'), String(size));
    assert.ok(res.body instanceof ReadableStream);
    assert.equal(sha256Of(await readAll(res.body)), sha256Of(pattern(0, size)));
  });

  it('resolves while the server is still writing the body', async () => {
    const key = '/download?size=2000000&chunk=65536&pause=20';
    const res = await session.stream('/download', { query: { size: 2_000_000, chunk: 65_536, pause: 20 } });
    assert.ok((server.written.get(key) ?? 0) < 2_000_000, 'the head came while the server was still writing');
    assert.equal((await readAll(res.body)).byteLength, 2_000_000);
  });

  it('an error status resolves too, with its body on the stream', async () => {
    const res = await session.stream('/status/404', { query: { size: 2_000_000 } });
    assert.equal(res.status, 404);
    assert.equal(res.ok, false);
    assert.equal(sha256Of(await readAll(res.body)), sha256Of(pattern(0, 2_000_000)));
  });

  it('a small body: the future resolves with a stream every time, and the stream has the body', async () => {
    const kinds = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const res = await session.stream('/ok');
      const kind = res.body instanceof ReadableStream ? `stream:${(await readAll(res.body)).toString()}` : `${res.constructor.name}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    assert.deepEqual([...kinds], [['stream:ok', 200]]);
  });

  it('backpressure: a reader that stops keeps the worker from reading far ahead; it resumes where it stopped', async () => {
    const size = 64 * 1024 * 1024;
    const key = `/download?size=${size}&chunk=65536`;
    const res = await session.stream('/download', { query: { size, chunk: 65_536 } });
    const reader = res.body.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.byteLength > 0);
    const written = await stalled(key);
    // The worker holds its window of chunks, undici and the kernel's socket buffers some more: far less than the body.
    assert.ok(written < size / 4, `the server wrote ${written} of ${size} bytes while nobody read`);
    const hash = createHash('sha256').update(first.value);
    let read = first.value.byteLength;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      hash.update(r.value);
      read += r.value.byteLength;
    }
    assert.equal(read, size);
    assert.equal(hash.digest('hex'), sha256Of(pattern(0, size)));
  });

  it('cancelling the stream aborts the download in the worker, which goes on serving', async () => {
    const key = '/download?size=50000000&chunk=65536&pause=2';
    const res = await session.stream('/download', { query: { size: 50_000_000, chunk: 65_536, pause: 2 } });
    await res.body.cancel();
    await waitFor(() => server.abandoned.has(key), 'the worker to close the connection');
    assert.ok((server.written.get(key) ?? 0) < 50_000_000);
    assert.equal((await session.get('/ok')).status, 200);
    assert.equal(session.stats().inflight, 0, 'the cancelled stream left the worker');
  });

  it('cancelling after reading part of it aborts too', async () => {
    const key = '/download?size=50000000&chunk=65536&pause=1';
    const res = await session.stream('/download', { query: { size: 50_000_000, chunk: 65_536, pause: 1 } });
    const reader = res.body.getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    await reader.cancel('enough');
    await waitFor(() => server.abandoned.has(key), 'the worker to close the connection');
  });

  it('a body cut mid-way errors the stream with a coded error, after the bytes before the cut', async () => {
    // Cut after more chunks than the worker may send ahead, so bytes come before the error.
    const cut = 1_048_576;
    const res = await session.stream('/download', { query: { size: 2_000_000, chunk: 65_536, cut } });
    const reader = res.body.getReader();
    let read = 0;
    await assert.rejects(
      (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) read += r.value.byteLength;
      })(),
      (e: ThreadfetchError) => {
        assert.equal(e.code, 'TF_ERR_BODY_INCOMPLETE');
        assert.equal(e.name, 'BodyIncompleteError');
        return true;
      },
    );
    assert.ok(read > 0 && read <= cut + 65_536, `bytes before the error: ${read}`);
  });

  it('a stalled body errors the stream with TF_ERR_BODY_TIMEOUT', async () => {
    const res = await session.stream('/hold-body', { bodyTimeout: 200 });
    await assert.rejects(readAll(res.body), (e: ThreadfetchError) => e.code === 'TF_ERR_BODY_TIMEOUT');
  });

  it('timeout covers the wait for the headers only: a body slower than it still arrives whole', async () => {
    const res = await session.stream('/download', { query: { size: 300_000, chunk: 30_000, pause: 60 }, timeout: 200 });
    assert.equal((await readAll(res.body)).byteLength, 300_000);
  });

  it('headers that never come: the timeout rejects the future with TF_ERR_TIMEOUT', async () => {
    await assert.rejects(session.stream('/hold', { timeout: 200 }), (e: ThreadfetchError) => e.code === 'TF_ERR_TIMEOUT');
  });

  it('the future can be cancelled before the headers: TF_ERR_ABORTED', async () => {
    const held = server.held.length;
    const future = session.stream('/hold');
    await waitFor(() => server.held.length > held, 'the request to reach the server');
    assert.equal(future.cancel(), true);
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
  });

  it('takes a method and a body', async () => {
    const before = server.seen.length;
    const res = await session.stream('/download', { method: 'POST', query: { size: 1_000_000 }, json: { a: 1 } });
    assert.equal((await readAll(res.body)).byteLength, 1_000_000);
    const seen = server.seen.slice(before).find((s) => s.url.startsWith('/download'));
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.body, '{"a":1}');
  });

  it('saveTo is refused, never ignored: TF_ERR_INVALID_ARGUMENT naming it', async () => {
    await assert.rejects(
      session.stream('/ok', { saveTo: '/tmp/threadfetch-never-written' } as never),
      (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT' && /does not take saveTo/.test(e.message),
    );
  });

  it('background is refused: TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.stream('/ok', { background: 'json' } as never), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });
});
