/** One executor shared by sessions with different callbacks modules: each worker loads each module when first needed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, ThreadExecutor, type ThreadfetchError } from '@threadfetch/core';
import { type BackgroundServer, fixtures, startBackgroundServer } from './helpers.js';

const other = new URL('./fixtures/other-callbacks.js', import.meta.url);
let server: BackgroundServer;

before(async () => {
  server = await startBackgroundServer();
});
after(() => server.close());

describe('a shared executor', () => {
  it('two sessions, two callbacks modules, one worker: each name resolves in its own session’s module', async () => {
    const a = new FuturesSession<typeof import('./fixtures/callbacks.js')>({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
    const b = new FuturesSession<typeof import('./fixtures/other-callbacks.js')>({ baseURL: server.url, executor: a.executor, callbacks: other });
    try {
      assert.equal(b.executor, a.executor);
      // Interleaved in one synchronous run: they leave in one batch to the one worker.
      const [fromA, fromB, shouted] = await Promise.all([
        a.get('/ok', { background: 'whoami' }),
        b.get('/ok', { background: 'whoami' }),
        b.get('/ok', { background: 'shout' }),
      ]);
      assert.equal(fromA.data, 'background');
      assert.equal(fromB.data, 'other');
      assert.equal(shouted.data, 'OK');
      const [threadA, threadB] = await Promise.all([a.get('/ok', { background: 'thread' }), b.get('/ok', { background: 'thread' })]);
      assert.ok(threadA.data > 0);
      assert.equal(threadA.data, threadB.data, 'the same worker thread loaded both modules');
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('a name only the other session’s module exports is unknown here, naming this session’s module', async () => {
    const a = new FuturesSession({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
    const b = new FuturesSession({ baseURL: server.url, executor: a.executor, callbacks: other });
    try {
      assert.equal((await b.get('/ok', { background: 'shout' })).data, 'OK');
      await assert.rejects(a.get('/ok', { background: 'shout' }), (e: ThreadfetchError) => {
        assert.equal(e.code, 'TF_ERR_UNKNOWN_CALLBACK');
        assert.match(e.message, /fixtures\/callbacks\.js/);
        return true;
      });
      const bare = new FuturesSession({ baseURL: server.url, executor: a.executor });
      await assert.rejects(bare.get('/ok', { background: 'whoami' }), (e: ThreadfetchError) => e.code === 'TF_ERR_UNKNOWN_CALLBACK');
      await bare.close();
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('closing the borrowing session leaves the pool running for the owner; closing the owner shuts it', async () => {
    const a = new FuturesSession({ baseURL: server.url, maxWorkers: 2, callbacks: fixtures });
    const b = new FuturesSession({ baseURL: server.url, executor: a.executor, callbacks: other });
    const pending = b.get('/download', { query: { size: 2_000_000, chunk: 65_536, pause: 2 }, background: 'shout', keepBody: false });
    const closing = b.close();
    await assert.rejects(b.get('/ok'), (e: ThreadfetchError) => e.code === 'TF_ERR_SESSION_CLOSED');
    assert.equal((await pending).status, 200, 'close() drained the request in flight');
    await closing;
    assert.equal((await a.get('/ok', { background: 'whoami' })).data, 'background');
    await a.close();
    await assert.rejects(a.get('/ok'), (e: ThreadfetchError) => e.code === 'TF_ERR_SESSION_CLOSED');
  });

  it('a ThreadExecutor of one’s own, shared by two sessions, outlives both until destroyed', async () => {
    const executor = new ThreadExecutor({ maxWorkers: 2 });
    const a = new FuturesSession({ baseURL: server.url, executor, callbacks: fixtures });
    const b = new FuturesSession({ baseURL: server.url, executor, callbacks: other });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).get('/ok', { background: 'whoami' })));
      assert.deepEqual(
        results.map((r) => r.data),
        Array.from({ length: 20 }, (_, i) => (i % 2 ? 'background' : 'other')),
      );
      await a.close();
      await b.close();
      const c = new FuturesSession({ baseURL: server.url, executor, callbacks: other });
      assert.equal((await c.get('/ok', { background: 'whoami' })).data, 'other', 'the executor still runs');
      await c.close();
    } finally {
      await executor.destroy();
    }
  });
});
