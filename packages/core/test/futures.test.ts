import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AbortedError, FuturesSession, ResultTimeoutError, ThreadfetchError, wait } from '@threadfetch/core';
import { type Hold, hold } from './helpers/hold.js';
import { sendJson, startServer, type TestServer } from './helpers/server.js';
import { seenCount, settleTicks, waitFor, waitForSeen } from './helpers/wait.js';

const callbacks = new URL('./fixtures/callbacks.js', import.meta.url);

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ThreadfetchError, `expected a ThreadfetchError, got ${String(error)}`);
    assert.equal((error as ThreadfetchError).code, code);
    return true;
  };
}

let server: TestServer;
let held: Hold;
/** One worker, one request at a time: a second request waits in the main-thread queue. */
let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;

before(async () => {
  held = hold();
  server = await startServer({
    '/hold': held.handler,
    '/ok': (_req, res) => sendJson(res, { ok: true }),
  });
  session = new FuturesSession({ baseURL: server.url, callbacks, maxWorkers: 1, concurrencyPerWorker: 1 });
});

after(async () => {
  held.releaseAll();
  await session.close({ force: true });
  await server.close();
});

beforeEach(() => {
  assert.equal(session.pending, 0, 'a previous test left a request pending');
});

describe('futures: state', () => {
  it('is running once sent, queued behind a full worker, and done once settled', async () => {
    const first = session.get('/hold?n=state1');
    const second = session.get('/ok?n=state2');
    assert.equal(first.running, true);
    assert.equal(first.done, false);
    assert.equal(second.running, false, 'the second request waits for a free slot');
    assert.equal(second.done, false);
    await waitForSeen(server, '/hold?n=state1');
    held.release('first');
    const res = await first;
    assert.equal(res.text(), 'first');
    assert.equal(first.done, true);
    assert.equal(first.running, false);
    assert.equal(first.cancelled, false);
    assert.equal(first.error, undefined);
    assert.equal((await second).status, 200);
    assert.equal(second.done, true);
  });

  it('a failed future is done, exposes error without throwing, and rejects when awaited', async () => {
    const future = session.get('ftp://127.0.0.1/nope');
    await assert.rejects(future, isCode('TF_ERR_INVALID_ARGUMENT'));
    assert.equal(future.done, true);
    assert.equal(future.running, false);
    assert.equal((future.error as ThreadfetchError | undefined)?.code, 'TF_ERR_INVALID_ARGUMENT');
  });
});

describe('futures: cancel', () => {
  it('a queued request that is cancelled is never sent', async () => {
    const first = session.get('/hold?n=q1');
    const queued = session.get('/ok?n=never-sent');
    await waitForSeen(server, '/hold?n=q1');
    assert.equal(queued.running, false);
    assert.equal(queued.cancel(), true);
    assert.equal(queued.cancelled, true);
    assert.equal(queued.done, true);
    await assert.rejects(queued, (e: unknown) => e instanceof AbortedError && e.code === 'TF_ERR_ABORTED');
    held.release();
    assert.equal((await first).status, 200);
    // the queue is FIFO: had the cancelled request been sent, it would have been sent before this one
    assert.equal((await session.get('/ok?n=after-cancel')).status, 200);
    assert.equal(seenCount(server, '/ok?n=never-sent'), 0);
  });

  it('an in-flight request that is cancelled is aborted in its worker, which goes on serving', async () => {
    const threadBefore = (await session.get('/ok', { background: 'threadId' })).data;
    const abortedBefore = held.aborted;
    const future = session.get('/hold?n=inflight');
    await waitForSeen(server, '/hold?n=inflight');
    assert.equal(future.running, true);
    assert.equal(future.cancel('changed my mind'), true);
    assert.equal(future.cancelled, true);
    await assert.rejects(future, (e: unknown) => e instanceof AbortedError && e.code === 'TF_ERR_ABORTED');
    // the worker really dropped the connection: the server sees the client go away
    await waitFor(() => held.aborted === abortedBefore + 1, 'the server to see the cancelled request aborted');
    const afterwards = await session.get('/ok', { background: 'threadId' });
    assert.equal(afterwards.status, 200);
    assert.equal(afterwards.data, threadBefore, 'the same worker thread serves the next request');
  });

  it('a request cancelled while its new worker is still starting is never sent, and frees its slot', async () => {
    const fresh = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1 });
    try {
      const future = fresh.get('/hold?n=cancel-race');
      await null; // the batch is flushed to the pool in a microtask; the worker has not started yet
      await null;
      assert.equal(future.running, true);
      assert.equal(future.cancel(), true);
      await assert.rejects(future, isCode('TF_ERR_ABORTED'));
      // with one slot, this runs only once the cancelled request has left the worker
      const next = await fresh.get('/ok?n=after-race', { timeout: 5_000 });
      assert.equal(next.status, 200);
      assert.equal(seenCount(server, '/hold?n=cancel-race'), 0, 'the cancelled request was sent anyway');
    } finally {
      held.releaseAll('leaked');
      await fresh.close({ force: true });
    }
  });

  it('cancel() returns false once the future is done, and does not mark it cancelled', async () => {
    const ok = session.get('/ok');
    await ok;
    assert.equal(ok.cancel(), false);
    assert.equal(ok.cancelled, false);
    const failed = session.get('ftp://127.0.0.1/not-http');
    await assert.rejects(failed);
    assert.equal(failed.cancel(), false);
    assert.equal(failed.cancelled, false);
  });

  it('a request cancelled in the same tick it was made is never sent; a second cancel() returns false', async () => {
    const future = session.get('/hold?n=twice');
    assert.equal(future.cancel(), true);
    assert.equal(future.cancel(), false);
    await assert.rejects(future, isCode('TF_ERR_ABORTED'));
    assert.equal((await session.get('/ok?n=after-twice')).status, 200);
    assert.equal(seenCount(server, '/hold?n=twice'), 0);
  });
});

describe('futures: result(ms)', () => {
  it('rejects with TF_ERR_RESULT_TIMEOUT while the request goes on and completes', async () => {
    const future = session.get('/hold?n=result');
    await assert.rejects(future.result(30), (e: unknown) => e instanceof ResultTimeoutError && e.code === 'TF_ERR_RESULT_TIMEOUT');
    assert.equal(future.done, false);
    assert.equal(future.cancelled, false);
    await waitForSeen(server, '/hold?n=result');
    held.release('late');
    assert.equal((await future).text(), 'late');
    assert.equal((await future.result(0)).text(), 'late', 'a done future answers result(0) at once');
  });

  it('rejects an invalid wait time with TF_ERR_INVALID_ARGUMENT', async () => {
    const future = session.get('/ok');
    await assert.rejects(future.result(-1), isCode('TF_ERR_INVALID_ARGUMENT'));
    await future;
  });
});

describe('futures: deadline', () => {
  it('the deadline counts time in the queue: a request that expires there is never sent', async () => {
    const first = session.get('/hold?n=deadline-first');
    const queued = session.get('/ok?n=deadline-queued', { timeout: 50 });
    await assert.rejects(queued, isCode('TF_ERR_TIMEOUT'));
    assert.equal(queued.cancelled, false, 'a timeout is not a cancel');
    await waitForSeen(server, '/hold?n=deadline-first');
    held.release();
    assert.equal((await first).status, 200);
    assert.equal((await session.get('/ok?n=after-deadline')).status, 200);
    assert.equal(seenCount(server, '/ok?n=deadline-queued'), 0);
  });
});

describe('futures: signal', () => {
  it('a pre-aborted signal rejects with TF_ERR_ABORTED and nothing is sent', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop before start'));
    const future = session.get('/ok?n=pre-aborted', { signal: controller.signal });
    await assert.rejects(future, (e: unknown) => e instanceof AbortedError && (e.cause as Error).message === 'stop before start');
    await session.get('/ok?n=after-pre-aborted');
    assert.equal(seenCount(server, '/ok?n=pre-aborted'), 0);
  });

  it('a signal aborted in flight aborts the request in the worker', async () => {
    const controller = new AbortController();
    const abortedBefore = held.aborted;
    const future = session.get('/hold?n=signal', { signal: controller.signal });
    await waitForSeen(server, '/hold?n=signal');
    controller.abort(new Error('stop now'));
    await assert.rejects(future, (e: unknown) => e instanceof AbortedError && (e.cause as Error).message === 'stop now');
    await waitFor(() => held.aborted === abortedBefore + 1, 'the server to see the aborted request');
    assert.equal((await session.get('/ok')).status, 200);
  });

  it('a signal aborted while queued removes the request from the queue', async () => {
    const controller = new AbortController();
    const first = session.get('/hold?n=signal-queue');
    const queued = session.get('/ok?n=signal-queued', { signal: controller.signal });
    await waitForSeen(server, '/hold?n=signal-queue');
    controller.abort();
    await assert.rejects(queued, isCode('TF_ERR_ABORTED'));
    held.release();
    await first;
    await session.get('/ok?n=after-signal-queue');
    assert.equal(seenCount(server, '/ok?n=signal-queued'), 0);
  });

  it('future.cancelled is true when the request signal cancelled it', async () => {
    const early = new AbortController();
    early.abort();
    const preAborted = session.get('/ok', { signal: early.signal });
    await assert.rejects(preAborted, isCode('TF_ERR_ABORTED'));
    const later = new AbortController();
    const inFlight = session.get('/hold?n=signal-cancelled', { signal: later.signal });
    await waitForSeen(server, '/hold?n=signal-cancelled');
    later.abort();
    await assert.rejects(inFlight, isCode('TF_ERR_ABORTED'));
    assert.equal(preAborted.cancelled, true, 'pre-aborted signal');
    assert.equal(inFlight.cancelled, true, 'signal aborted in flight');
  });
});

describe('futures: unread errors', () => {
  it('a rejected future that is never read causes no unhandledRejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const futures = [
        session.get('relative/without/base', { query: 'bad' as never }),
        session.get('/hold?n=unread-timeout', { timeout: 30 }),
        session.get('/hold?n=unread-cancel'),
        session.request({ method: 'BAD METHOD', url: '/ok' }),
      ];
      futures[2]?.cancel();
      await wait(futures);
      assert.ok(futures.every((f) => f.error instanceof ThreadfetchError));
      await settleTicks();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
