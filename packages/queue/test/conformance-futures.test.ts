/**
 * The session's future cases, run again with QueueExecutor: asCompleted and wait, cancel of a job
 * waiting in Redis and of one running in a worker process, result(ms), deadlines, close() and
 * destroy(). One worker process taking 3 jobs at once, so that a fourth waits in Redis.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AbortedError, asCompleted, type Future, FuturesSession, ReturnWhen, SessionClosedError, type ThreadfetchError, wait } from '@threadfetch/core';
import { QueueExecutor } from '@threadfetch/queue';
import { type Hold, hold } from '../../core/dist-test/helpers/hold.js';
import { startServer, type TestServer } from '../../core/dist-test/helpers/server.js';
import { asCompletedFollowsAnswers } from '../../core/dist-test/helpers/shared-cases.js';
import { seenCount, waitFor, waitForSeen } from '../../core/dist-test/helpers/wait.js';
import { rejectsWith } from '../../core/dist-test/http/helpers.js';
import { type QueueEnv, startQueueEnv, waitUntil } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';

/** Jobs the worker process takes at once: a job past them waits in Redis. */
const slots = 3;

let env: QueueEnv;
let server: TestServer;
let held: Hold;
let session: FuturesSession;

before(async () => {
  if (redisSkip) return;
  held = hold();
  server = await startServer({
    '/hold': held.handler,
    '/ok': (req, res) => res.writeHead(200).end(`ok ${req.url}`),
  });
  env = await startQueueEnv({ processes: 1, threads: 1, concurrency: slots });
  session = new FuturesSession({ executor: env.executor, baseURL: server.url });
});

after(async () => {
  if (redisSkip) return;
  held?.releaseAll();
  await session?.close({ force: true });
  await env?.close();
  await server?.close();
});

beforeEach(async () => {
  if (redisSkip) return;
  assert.equal(session.pending, 0, 'a previous test left a request pending');
  // every slot free: a previous test's cancelled jobs have left the worker process
  await waitUntil(async () => (await env.inspect.getActiveCount()) === 0 && (await env.inspect.getWaitingCount()) === 0, 'an idle queue');
});

const codeOf = (f: Future<unknown>) => (f.error as ThreadfetchError | undefined)?.code;

/** Fills every slot of the worker process with held requests; resolves once the server holds them all. */
async function fillSlots(tag: string): Promise<Future<unknown>[]> {
  const futures = Array.from({ length: slots }, (_, i) => session.get(`/hold?fill=${tag}-${i}`));
  await waitForSeen(server, `/hold?fill=${tag}-`, slots);
  return futures;
}

async function releaseSlots(futures: Future<unknown>[], tag: string): Promise<void> {
  for (let i = 0; i < slots; i++) held.release('released', `fill=${tag}-${i}`);
  for (const f of futures) assert.equal((await f).status, 200);
}

describe('queue conformance: asCompleted and wait', { skip: redisSkip }, () => {
  it('asCompleted yields the futures in the order the server answers them', async () => {
    await asCompletedFollowsAnswers(session, server, held);
  });

  it('asCompleted yields failed futures too, each once', async () => {
    const failing = session.get('http://127.0.0.1:1/refused');
    const fine = session.get('/ok');
    const seen: unknown[] = [];
    for await (const item of asCompleted([failing, fine, failing])) seen.push(item);
    assert.equal(seen.length, 2);
    assert.ok(seen.includes(failing) && seen.includes(fine));
    assert.equal(codeOf(failing), 'TF_ERR_CONNECTION_REFUSED');
  });

  it('wait FIRST_COMPLETED resolves with the one done; ALL_COMPLETED once all are', async () => {
    const stalled = session.get('/hold?n=first-completed');
    const fast = session.get('/ok?n=first-completed');
    const first = await wait([stalled, fast], { returnWhen: ReturnWhen.FIRST_COMPLETED });
    assert.deepEqual([...first.done], [fast]);
    assert.deepEqual([...first.notDone], [stalled]);
    const all = wait([stalled, fast], { returnWhen: ReturnWhen.ALL_COMPLETED });
    await waitForSeen(server, '/hold?n=first-completed');
    held.release('late', 'n=first-completed');
    const { done, notDone } = await all;
    assert.equal(done.size, 2);
    assert.equal(notDone.size, 0);
    assert.equal((await stalled).text(), 'late');
  });

  it('wait with timeout resolves with what is done so far and cancels nothing', async () => {
    const stalled = session.get('/hold?n=wait-timeout');
    const { done, notDone } = await wait([stalled], { timeout: 100 });
    assert.deepEqual([done.size, [...notDone]], [0, [stalled]]);
    assert.equal(stalled.cancelled, false);
    await waitForSeen(server, '/hold?n=wait-timeout');
    held.release('late', 'n=wait-timeout');
    assert.equal((await stalled).text(), 'late');
  });
});

describe('queue conformance: cancel', { skip: redisSkip }, () => {
  it('a job waiting in Redis that is cancelled is removed and never sent', async () => {
    const fill = await fillSlots('queued');
    const queued = session.get('/ok?n=never-sent');
    await waitUntil(async () => (await env.inspect.getWaitingCount()) === 1, 'the job to wait in Redis');
    assert.equal(queued.cancel(), true);
    assert.equal(queued.cancelled, true);
    assert.equal(queued.done, true);
    await assert.rejects(queued, (e: unknown) => e instanceof AbortedError && e.code === 'TF_ERR_ABORTED');
    await waitUntil(async () => (await env.inspect.getWaitingCount()) === 0, 'the job to leave Redis');
    await releaseSlots(fill, 'queued');
    assert.equal((await session.get('/ok?n=after-cancel')).status, 200);
    assert.equal(seenCount(server, '/ok?n=never-sent'), 0);
  });

  it('a request cancelled in the tick it was made is never sent; a second cancel() returns false', async () => {
    const future = session.get('/ok?n=same-tick');
    assert.equal(future.cancel(), true);
    assert.equal(future.cancel(), false);
    await rejectsWith(future, 'TF_ERR_ABORTED');
    assert.equal((await session.get('/ok?n=after-same-tick')).status, 200);
    assert.equal(seenCount(server, '/ok?n=same-tick'), 0);
  });

  it('a running request that is cancelled is aborted in its worker process, which goes on serving', async () => {
    const abortedBefore = held.aborted;
    const future = session.get('/hold?n=inflight');
    await waitForSeen(server, '/hold?n=inflight');
    assert.equal(future.cancel('changed my mind'), true);
    await assert.rejects(future, (e: unknown) => e instanceof AbortedError && e.code === 'TF_ERR_ABORTED');
    await waitFor(() => held.aborted === abortedBefore + 1, 'the server to see the cancelled request’s connection close');
    assert.equal((await session.get('/ok?n=after-inflight')).status, 200);
  });

  it('a signal aborted while the job waits in Redis removes it', async () => {
    const fill = await fillSlots('signal');
    const controller = new AbortController();
    const queued = session.get('/ok?n=signal-queued', { signal: controller.signal });
    await waitUntil(async () => (await env.inspect.getWaitingCount()) === 1, 'the job to wait in Redis');
    controller.abort();
    await rejectsWith(queued, 'TF_ERR_ABORTED');
    assert.equal(queued.cancelled, true);
    await releaseSlots(fill, 'signal');
    await session.get('/ok?n=after-signal');
    assert.equal(seenCount(server, '/ok?n=signal-queued'), 0);
  });

  it('cancel() returns false once done', async () => {
    const ok = session.get('/ok');
    await ok;
    assert.equal(ok.cancel(), false);
    assert.equal(ok.cancelled, false);
  });
});

describe('queue conformance: result(ms) and deadlines', { skip: redisSkip }, () => {
  it('result(ms) rejects with TF_ERR_RESULT_TIMEOUT while the request goes on and completes', async () => {
    const future = session.get('/hold?n=result');
    await rejectsWith(future.result(30), 'TF_ERR_RESULT_TIMEOUT');
    assert.equal(future.done, false);
    assert.equal(future.cancelled, false);
    await waitForSeen(server, '/hold?n=result');
    held.release('late', 'n=result');
    assert.equal((await future).text(), 'late');
    assert.equal((await future.result(0)).text(), 'late');
  });

  it('the deadline counts the wait in Redis: a job that expires there is never sent', async () => {
    const fill = await fillSlots('deadline');
    const queued = session.get('/ok?n=deadline-queued', { timeout: 200 });
    await rejectsWith(queued, 'TF_ERR_TIMEOUT');
    assert.equal(queued.cancelled, false, 'a timeout is not a cancel');
    await waitUntil(async () => (await env.inspect.getWaitingCount()) === 0, 'the expired job to leave Redis');
    await releaseSlots(fill, 'deadline');
    await session.get('/ok?n=after-deadline');
    assert.equal(seenCount(server, '/ok?n=deadline-queued'), 0);
  });
});

describe('queue conformance: close() and destroy()', { skip: redisSkip }, () => {
  it('close() refuses new requests with TF_ERR_SESSION_CLOSED at once, drains pending ones, and leaves the shared executor running', async () => {
    const s = new FuturesSession({ executor: env.executor, baseURL: server.url });
    const pending = s.get('/hold?n=drain');
    await waitForSeen(server, '/hold?n=drain');
    let closed = false;
    const closing = s.close().then(() => {
      closed = true;
    });
    const refused = await rejectsWith(s.get('/ok?n=after-close'), 'TF_ERR_SESSION_CLOSED');
    assert.ok(refused instanceof SessionClosedError);
    assert.equal(closed, false, 'close() waits for the pending request');
    held.release('drained', 'n=drain');
    await closing;
    assert.equal((await pending).text(), 'drained');
    assert.equal(seenCount(server, '/ok?n=after-close'), 0);
    assert.equal((await session.get('/ok?n=executor-still-up')).status, 200, 'another session on the executor goes on');
  });

  it('close({ force: true }) aborts a running request in its worker process', async () => {
    const s = new FuturesSession({ executor: env.executor, baseURL: server.url });
    const abortedBefore = held.aborted;
    const running = s.get('/hold?n=force');
    await waitForSeen(server, '/hold?n=force');
    await s.close({ force: true });
    await rejectsWith(running, 'TF_ERR_ABORTED');
    await waitFor(() => held.aborted === abortedBefore + 1, 'the worker process to drop the request');
  });

  it('two producers on one queue each get their own results', async () => {
    const other = new QueueExecutor({ connection: env.redis.url, queue: env.queueName });
    const s = new FuturesSession({ executor: other, baseURL: server.url });
    try {
      const mine = Array.from({ length: 10 }, (_, i) => session.get(`/ok?p=mine-${i}`));
      const theirs = Array.from({ length: 10 }, (_, i) => s.get(`/ok?p=theirs-${i}`));
      const texts = await Promise.all([...mine, ...theirs].map(async (f) => (await f).text()));
      assert.deepEqual(texts, [...Array.from({ length: 10 }, (_, i) => `ok /ok?p=mine-${i}`), ...Array.from({ length: 10 }, (_, i) => `ok /ok?p=theirs-${i}`)]);
    } finally {
      await s.close();
      await other.destroy();
    }
  });

  it('destroy() fails pending requests with TF_ERR_SESSION_CLOSED, aborts them in the worker process, and refuses new ones', async () => {
    const other = new QueueExecutor({ connection: env.redis.url, queue: env.queueName });
    const s = new FuturesSession({ executor: other, baseURL: server.url });
    const abortedBefore = held.aborted;
    const running = s.get('/hold?n=destroy');
    await waitForSeen(server, '/hold?n=destroy');
    await other.destroy();
    await rejectsWith(running, 'TF_ERR_SESSION_CLOSED');
    await waitFor(() => held.aborted === abortedBefore + 1, 'the worker process to drop the request');
    await rejectsWith(s.get('/ok?n=after-destroy'), 'TF_ERR_SESSION_CLOSED');
    assert.equal(seenCount(server, '/ok?n=after-destroy'), 0);
    await s.close();
  });
});
