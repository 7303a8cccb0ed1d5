import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AbortedError, FuturesSession, SessionClosedError, ThreadExecutor, type ThreadfetchError } from '@threadfetch/core';
import { type Hold, hold } from './helpers/hold.js';
import { sendJson, startServer, type TestServer } from './helpers/server.js';
import { waitForSeen } from './helpers/wait.js';

const callbacks = new URL('./fixtures/callbacks.js', import.meta.url);
const otherCallbacks = new URL('./fixtures/other-callbacks.js', import.meta.url);

let server: TestServer;
let held: Hold;

before(async () => {
  held = hold();
  server = await startServer({
    '/ok': (_req, res) => sendJson(res, { ok: true }),
    '/hold': held.handler,
    '/word': (_req, res) => res.end('quiet words'),
  });
});

after(async () => {
  held.releaseAll();
  await server.close();
});

function hasCode(code: string) {
  return (e: unknown) => (e as ThreadfetchError).code === code;
}

describe('executor: sharing', () => {
  it('session B on session A executor works, and closing B leaves A pool running', async () => {
    const a = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
    try {
      const b = new FuturesSession({ baseURL: server.url, executor: a.executor });
      assert.equal(b.executor, a.executor);
      assert.equal((await b.get('/ok')).status, 200);
      await b.close();
      assert.equal(b.closed, true);
      assert.equal(a.closed, false);
      await assert.rejects(b.get('/ok'), (e: unknown) => e instanceof SessionClosedError);
      assert.equal((await a.get('/ok')).status, 200, 'A still works after B.close()');
    } finally {
      await a.close();
    }
    await assert.rejects(a.get('/ok'), hasCode('TF_ERR_SESSION_CLOSED'));
  });

  it('a user ThreadExecutor runs two sessions with different callbacks modules on one worker', async () => {
    const executor = new ThreadExecutor({ maxWorkers: 1 });
    const first = new FuturesSession<typeof import('./fixtures/callbacks.js')>({ baseURL: server.url, executor, callbacks });
    const second = new FuturesSession<typeof import('./fixtures/other-callbacks.js')>({ baseURL: server.url, executor, callbacks: otherCallbacks });
    try {
      // in one synchronous run: one batch for the single worker, both modules in it
      const [a, b, c, d] = await Promise.all([
        first.get('/word', { background: 'whoami' }),
        second.get('/word', { background: 'whoami' }),
        second.get('/word', { background: 'shout' }),
        first.get('/word', { background: 'text' }),
      ]);
      assert.equal(a.data, 'callbacks');
      assert.equal(b.data, 'other');
      assert.equal(c.data, 'QUIET WORDS');
      assert.equal(d.data, 'quiet words');
      await assert.rejects(first.get('/word', { background: 'shout' as 'json' }), hasCode('TF_ERR_UNKNOWN_CALLBACK'));
      await first.close();
      await second.close();
      const third = new FuturesSession({ baseURL: server.url, executor });
      assert.equal((await third.get('/ok')).status, 200, 'sessions never shut down an executor they did not create');
      await third.close();
    } finally {
      await executor.destroy();
    }
    const late = new FuturesSession({ baseURL: server.url, executor });
    await assert.rejects(late.get('/ok'), hasCode('TF_ERR_SESSION_CLOSED'));
    await late.close();
  });
});

describe('executor: destroy', () => {
  it('destroying a shared executor settles its in-flight and queued requests', async () => {
    const executor = new ThreadExecutor({ maxWorkers: 1, concurrencyPerWorker: 1 });
    const session = new FuturesSession({ baseURL: server.url, executor });
    const inFlight = session.get('/hold?n=destroy');
    const queued = session.get('/ok?n=destroy-queued');
    await waitForSeen(server, '/hold?n=destroy');
    await executor.destroy();
    await assert.rejects(inFlight, (e: unknown) => e instanceof Error && typeof (e as ThreadfetchError).code === 'string');
    await assert.rejects(queued, hasCode('TF_ERR_SESSION_CLOSED'));
    assert.equal(session.pending, 0);
    await session.close();
  });
});

describe('executor: close', () => {
  it('close() stops new requests and drains pending ones before resolving', async () => {
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1 });
    const inFlight = session.get('/hold?n=drain');
    const queued = session.get('/ok?n=drain-queued');
    await waitForSeen(server, '/hold?n=drain');
    let closed = false;
    const closing = session.close().then(() => {
      closed = true;
    });
    assert.equal(session.closed, true);
    assert.equal(session.close(), session.close(), 'close() again returns the same promise');
    await assert.rejects(session.get('/ok?n=refused'), hasCode('TF_ERR_SESSION_CLOSED'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, false, 'close() waits for the pending requests');
    assert.equal(session.pending, 2);
    held.release('drained', 'n=drain');
    await closing;
    assert.equal(inFlight.done, true);
    assert.equal(queued.done, true);
    assert.equal((await inFlight).text(), 'drained');
    assert.equal((await queued).status, 200, 'a queued request is sent and drained too');
    assert.equal(session.pending, 0);
  });

  it('close({ force: true }) aborts in-flight and queued requests with TF_ERR_ABORTED', async () => {
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1 });
    const inFlight = session.get('/hold?n=force');
    const queued = session.get('/ok?n=force-queued');
    await waitForSeen(server, '/hold?n=force');
    await session.close({ force: true });
    await assert.rejects(inFlight, (e: unknown) => e instanceof AbortedError && e.code === 'TF_ERR_ABORTED');
    await assert.rejects(queued, (e: unknown) => e instanceof AbortedError);
  });

  it('close({ timeout }) drains what finishes in time, then aborts the rest', async () => {
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 2 });
    const quick = session.get('/hold?n=close-timeout-quick');
    const stuck = session.get('/hold?n=close-timeout-stuck');
    await waitForSeen(server, '/hold?n=close-timeout-', 2);
    const closing = session.close({ timeout: 1_000 });
    held.release('in time', 'n=close-timeout-quick');
    await closing;
    assert.equal((await quick).text(), 'in time');
    await assert.rejects(stuck, hasCode('TF_ERR_ABORTED'));
  });

  it('Symbol.asyncDispose closes the session (await using)', async () => {
    let escaped: FuturesSession | undefined;
    {
      await using session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
      escaped = session;
      assert.equal(typeof session[Symbol.asyncDispose], 'function');
      assert.equal((await session.get('/ok')).status, 200);
      assert.equal(session.closed, false);
    }
    assert.equal(escaped.closed, true);
    await assert.rejects(escaped.get('/ok'), hasCode('TF_ERR_SESSION_CLOSED'));
  });
});
