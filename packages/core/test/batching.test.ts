import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, Response, type Timings } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from './helpers/server.js';

const callbacks = new URL('./fixtures/callbacks.js', import.meta.url);

/** 3 MiB of random bytes, sent whole by /big. */
const big = randomBytes(3 * 1024 * 1024);
let server: TestServer;
let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;

before(async () => {
  server = await startServer({
    '/n': (req, res) => {
      const i = Number(new URL(req.url ?? '', 'http://x').searchParams.get('i'));
      sendJson(res, { i }, 200 + (i % 3));
    },
    '/items': (_req, res) => sendJson(res, { items: [{ price: 1 }, { price: 2 }] }),
    '/big': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(big);
    },
    '/upload': (_req, res) => res.end(String(server.seen.at(-1)?.body.length)),
  });
  session = new FuturesSession({ baseURL: server.url, callbacks, maxWorkers: 2, concurrencyPerWorker: 32 });
});

after(async () => {
  await session.close();
  await server.close();
});

function assertTimings(timings: Timings, withCallback: boolean): void {
  const names = ['queued', 'dispatched', 'headers', 'body', 'callback', 'returned', 'total'] as const;
  for (const name of names) {
    const value = timings[name];
    assert.equal(typeof value, 'number', name);
    assert.ok(Number.isFinite(value), `${name} is finite: ${value}`);
    assert.ok(value >= 0, `timings.${name} = ${value} must be >= 0 (${JSON.stringify(timings)})`);
  }
  if (!withCallback) assert.equal(timings.callback, 0);
  assert.ok(timings.total >= timings.queued, JSON.stringify(timings));
}

describe('batching', () => {
  it('500 requests made in one synchronous loop all succeed, each seen exactly once, each matched to its response', async () => {
    const count = 500;
    const futures = [];
    for (let i = 0; i < count; i++) futures.push(session.get(`/n?i=${i}`, { background: i % 2 ? 'json' : undefined }));
    const responses = await Promise.all(futures);
    responses.forEach((res, i) => {
      assert.equal(res.status, 200 + (i % 3), `status of request ${i}`);
      assertTimings(res.timings, i % 2 === 1);
      assert.deepEqual(res.json(), { i }, `body of request ${i}`);
      if (i % 2) assert.deepEqual(res.data, { i });
      else assert.equal(res.data, undefined);
    });
    const seen = new Map<string, number>();
    for (const s of server.seen) if (s.url.startsWith('/n?')) seen.set(s.url, (seen.get(s.url) ?? 0) + 1);
    assert.equal(seen.size, count);
    for (const [url, times] of seen) assert.equal(times, 1, `${url} was sent ${times} times`);
    assert.equal(session.pending, 0);
  });

  it('responses carry Headers and timings that are non-negative numbers', async () => {
    const plain = await Promise.all(Array.from({ length: 40 }, (_, i) => session.get(`/n?i=${i * 3}`)));
    for (const res of plain) {
      assert.ok(res instanceof Response);
      assert.ok(res.headers instanceof Headers);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assertTimings(res.timings, false);
    }
    const reduced = await Promise.all(Array.from({ length: 20 }, () => session.get('/items', { background: 'summarize' })));
    for (const res of reduced) {
      assert.deepEqual(res.data, { count: 2, total: 3 });
      assertTimings(res.timings, true);
    }
  });

  it('mixed successes and failures in one batch each settle with their own outcome', async () => {
    const futures = Array.from({ length: 30 }, (_, i) =>
      i % 5 === 0 ? session.get('/items', { background: 'fails' }) : session.get('/items', { background: 'summarize' }),
    );
    const outcomes = await Promise.allSettled(futures);
    outcomes.forEach((outcome, i) => {
      if (i % 5 === 0) {
        assert.equal(outcome.status, 'rejected');
        assert.equal((outcome as PromiseRejectedResult).reason.code, 'TF_ERR_CALLBACK_FAILED');
      } else {
        assert.equal(outcome.status, 'fulfilled');
        assert.deepEqual((outcome as PromiseFulfilledResult<Response<{ count: number; total: number }>>).value.data, { count: 2, total: 3 });
      }
    });
  });

  it('a large body arrives whole and exact, in a buffer of its own size', async () => {
    const [a, b] = await Promise.all([session.get('/big'), session.get('/big')]);
    for (const res of [a, b]) {
      assert.equal(res.body.byteLength, big.byteLength);
      assert.equal(res.body.buffer.byteLength, big.byteLength, 'no oversized backing buffer');
      assert.ok(Buffer.from(res.body.buffer, res.body.byteOffset, res.body.byteLength).equals(big));
    }
  });

  it('a large request body is sent whole', async () => {
    const text = 'threadfetch-'.repeat(100_000);
    const res = await session.post('/upload', { body: new TextEncoder().encode(text) });
    assert.equal(res.text(), String(text.length));
    assert.equal(server.seen.find((s) => s.url === '/upload')?.body, text);
  });
});
