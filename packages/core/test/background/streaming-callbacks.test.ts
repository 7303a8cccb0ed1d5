/** Streaming callbacks (`streaming()` from @threadfetch/worker): the body consumed in the worker as it arrives. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ThreadfetchError } from '@threadfetch/core';
import { type BackgroundServer, type FixtureSession, pattern, sha256Of, withFixtureSession } from './helpers.js';

let server: BackgroundServer;
let session: FixtureSession;
withFixtureSession((s, f) => {
  server = s;
  session = f;
});

describe('streaming callbacks', () => {
  it('hash a body as it arrives, without maxResponseSize applying', async () => {
    const size = 6_000_000;
    const res = await session.get('/download', { query: { size }, background: 'sha256', maxResponseSize: 1_000 });
    assert.deepEqual(res.data, { status: 200, sha256: sha256Of(pattern(0, size)), bytes: size });
    assert.equal(res.body.byteLength, 0);
  });

  it('count the lines of a chunked text body', async () => {
    const count = 1_000_000;
    let size = 0;
    for (let i = 0; i < count; i++) size += `line ${i}\n`.length;
    const res = await session.get(`/lines/${count}`, { background: 'countLines', maxResponseSize: 1_000 });
    assert.equal(res.data.lines, count);
    assert.equal(res.data.bytes, size);
  });

  it('count the lines of a 256 MB body in constant memory', async () => {
    const size = 256_000_000;
    const lines = Math.floor((size - 11) / 251) + 1; // byte i is i % 251: a LF wherever i % 251 === 10
    const res = await session.get('/download', { query: { size }, background: 'countLines' });
    assert.equal(res.data.bytes, size);
    assert.equal(res.data.lines, lines);
    // The worker's heap plus its buffers never came near the body's size: it was never held whole. (What
    // they do grow by is chunks read and not yet garbage-collected: tens of MB at most, whatever the size.)
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    assert.ok(res.data.growth < size / 2, `worker memory grew by ${mb(res.data.growth)} reading ${mb(size)}`);
    assert.ok(res.data.peak < (size * 3) / 4, `worker memory peaked at ${mb(res.data.peak)} reading ${mb(size)}`);
  });

  it('the memory measure sees a body that is held whole (so the test above can fail)', async () => {
    const size = 50_000_000;
    const res = await session.get('/download', { query: { size }, background: 'memoryHoldingBody', keepBody: false });
    assert.equal(res.data.bytes, size);
    assert.ok(res.data.memory >= size, `a non-streaming callback holds the body: ${(res.data.memory / 1e6).toFixed(1)} MB`);
  });

  it('a callback that stops reading early discards the rest; the worker goes on', async () => {
    const res = await session.get('/download', { query: { size: 20_000_000 }, background: 'firstChunk' });
    assert.ok(res.data > 0);
    assert.equal((await session.get('/ok')).status, 200);
  });

  it('a callback that throws mid-body fails with TF_ERR_CALLBACK_FAILED, its error as cause; the worker goes on', async () => {
    await assert.rejects(session.get('/download', { query: { size: 5_000_000 }, background: 'throwsMidBody' }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.equal((e.cause as Error).name, 'RangeError');
      assert.match((e.cause as Error).message, /bad record in the stream/);
      return true;
    });
    assert.equal((await session.get('/ok')).status, 200);
  });

  it('a body cut mid-way fails with TF_ERR_BODY_INCOMPLETE, as it does without a callback', async () => {
    const query = { size: 1_000_000, chunk: 65_536, cut: 131_072 };
    await assert.rejects(session.get('/download', { query }), (e: ThreadfetchError) => e.code === 'TF_ERR_BODY_INCOMPLETE');
    await assert.rejects(session.get('/download', { query, background: 'countBytes' }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_BODY_INCOMPLETE');
      return true;
    });
  });

  it('a stalled body fails with TF_ERR_BODY_TIMEOUT, with or without a callback', async () => {
    for (const background of [undefined, 'countBytes'] as const) {
      await assert.rejects(session.get('/hold-body', { bodyTimeout: 200, ...(background ? { background } : {}) }), (e: ThreadfetchError) => {
        assert.equal(e.code, 'TF_ERR_BODY_TIMEOUT', `${background}: ${e.message}`);
        return true;
      });
    }
  });

  it('with progress asked for, a body cut mid-way still fails with TF_ERR_BODY_INCOMPLETE', async () => {
    const query = { size: 1_000_000, chunk: 65_536, cut: 131_072 };
    let loaded = 0;
    await assert.rejects(
      session.get('/download', { query, background: 'countBytes', onProgress: (p) => (loaded = p.loaded) }),
      (e: ThreadfetchError) => e.code === 'TF_ERR_BODY_INCOMPLETE',
    );
    assert.ok(loaded <= 131_072 + 65_536, `progress counted ${loaded} bytes`);
  });

  it('a body cut mid-way fails the request, never resolves it with a short count', async () => {
    const query = { size: 1_000_000, chunk: 65_536, cut: 131_072 };
    await assert.rejects(session.get('/download', { query, background: 'countBytes' }), (e: ThreadfetchError) => e.code.startsWith('TF_ERR_'));
  });

  it('a streaming callback with saveTo is TF_ERR_INVALID_ARGUMENT, and nothing is sent', async () => {
    const before = server.seen.length;
    await assert.rejects(session.get('/ok', { background: 'sha256', saveTo: 'never-written.bin' }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT');
      assert.match(e.message, /saveTo/);
      return true;
    });
    assert.equal(server.seen.length, before);
  });

  it('a streaming callback can make follow-up requests too', async () => {
    const res = await session.get('/pages/1', { background: 'streamingThenFollow' });
    assert.deepEqual(res.data, { first: { items: [1, 10], next: '/pages/2' }, second: { items: [2, 20], next: '/pages/3' } });
  });
});
