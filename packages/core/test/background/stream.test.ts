/** session.stream(): the head first, then the body as a web stream fed from the worker with backpressure. */
import assert from 'node:assert/strict';
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

describe('session.stream', () => {
  it('resolves at the headers, then delivers every byte in order', async () => {
    const size = 5_000_000;
    const res = await session.stream('/download', { query: { size } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(size));
    assert.equal(sha256Of(await readAll(res.body)), sha256Of(pattern(0, size)));
  });

  it('resolves before the body is complete', async () => {
    const res = await session.stream('/download', { query: { size: 2_000_000, chunk: 65_536, pause: 20 } });
    const key = '/download?size=2000000&chunk=65536&pause=20';
    assert.ok((server.written.get(key) ?? 0) < 2_000_000, 'the head came while the server was still writing');
    assert.equal((await readAll(res.body)).byteLength, 2_000_000);
  });

  it('backpressure: a reader that stops keeps the worker from reading far ahead', async () => {
    const size = 64 * 1024 * 1024;
    const res = await session.stream('/download', { query: { size, chunk: 65_536 } });
    const reader = res.body.getReader();
    await reader.read();
    const key = `/download?size=${size}&chunk=65536`;
    await sleep(300);
    const written = server.written.get(key) ?? 0;
    // The socket and the kernel buffer some; the worker holds at most its window of chunks. Far less than the body.
    assert.ok(written < size / 4, `the server wrote ${written} of ${size} bytes while nobody read`);
    await reader.cancel();
  });

  it('cancelling the stream aborts the download in the worker, which goes on serving', async () => {
    const res = await session.stream('/download', { query: { size: 50_000_000, chunk: 65_536, pause: 2 } });
    await res.body.cancel();
    const key = '/download?size=50000000&chunk=65536&pause=2';
    await waitFor(() => server.abandoned.has(key), 'the worker to close the connection');
    assert.ok((server.written.get(key) ?? 0) < 50_000_000);
    assert.equal((await session.get('/ok')).status, 200);
  });

  it('a body cut mid-way errors the stream with a coded error', async () => {
    const res = await session.stream('/download', { query: { size: 1_000_000, chunk: 65_536, cut: 131_072 } });
    await assert.rejects(readAll(res.body), (e: ThreadfetchError) => e.code === 'TF_ERR_BODY_INCOMPLETE');
  });

  it('background is refused: TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.stream('/ok', { background: 'json' } as never), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });
});
