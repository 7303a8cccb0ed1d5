/**
 * Cancelling through the queue: a waiting job is removed and never runs; an active one is aborted in
 * its worker process, whose other work goes on. The future rejects with TF_ERR_ABORTED either way.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { json, startServer, type TestServer } from './helpers/http-server.js';
import { type ConformanceCallbacks, conformanceCallbacks, type QueueEnv, startQueueEnv } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';

/** A promise and its resolver. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('QueueExecutor: cancel', { skip: redisSkip, timeout: 60_000 }, () => {
  let env: QueueEnv;
  let server: TestServer;
  let session: FuturesSession<ConformanceCallbacks>;
  /** Requests to /hold, answered when released. */
  const held: http.ServerResponse[] = [];
  let holdSeen = signal();
  let heldClosed = signal();

  before(async () => {
    server = await startServer({
      '/items': json({ items: [] }),
      '/hold': (_req, res) => {
        held.push(res);
        res.once('close', () => heldClosed.resolve());
        holdSeen.resolve();
      },
    });
    // One job at a time: a second one waits in Redis while the first is held.
    env = await startQueueEnv({ concurrency: 1 });
    session = new FuturesSession<ConformanceCallbacks>({ executor: env.executor, callbacks: conformanceCallbacks, baseURL: server.url });
  });

  after(async () => {
    for (const res of held) res.destroy();
    await session?.close({ force: true });
    await env?.close();
    await server?.close();
  });

  async function aborted(promise: PromiseLike<unknown>): Promise<void> {
    const error = await Promise.resolve(promise).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as ThreadfetchError,
    );
    assert.equal(error.code, 'TF_ERR_ABORTED');
  }

  test('a waiting job is removed from the queue: it never runs', async () => {
    holdSeen = signal();
    const first = session.get('/hold?n=1');
    await holdSeen.promise;
    const waiting = session.get('/items?never=1');
    // It is in Redis, waiting behind the held job.
    for (let i = 0; i < 200 && (await env.inspect.getWaitingCount()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await env.inspect.getWaitingCount(), 1, env.output());
    assert.equal(waiting.cancel(), true);
    await aborted(waiting);
    assert.equal(waiting.cancel(), false);
    // Removed, not merely ignored: once the held job ends, a later request runs and the cancelled one never did.
    for (let i = 0; i < 200 && (await env.inspect.getWaitingCount()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await env.inspect.getWaitingCount(), 0);
    held.shift()?.end('released');
    assert.equal((await first).text(), 'released');
    assert.equal((await session.get('/items?after=1')).status, 200);
    assert.ok(!server.seen.includes('/items?never=1'), `the server saw: ${server.seen.join(', ')}`);
    assert.equal(env.executor.stats().cancelled, 1);
  });

  test('an active job is aborted in its worker process, which goes on serving', async () => {
    holdSeen = signal();
    heldClosed = signal();
    const active = session.get('/hold?n=2');
    await holdSeen.promise;
    assert.equal(active.cancel(), true);
    await aborted(active);
    // The worker process aborted the request: the server sees its connection close, unanswered.
    await heldClosed.promise;
    assert.equal((await session.get('/items?next=1')).status, 200);
  });

  test('a deadline (timeout) cancels through the queue the same way: the held request is aborted', async () => {
    holdSeen = signal();
    heldClosed = signal();
    const error = await session.get('/hold?n=3', { timeout: 1_000 }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as ThreadfetchError,
    );
    assert.equal(error.code, 'TF_ERR_TIMEOUT');
    await heldClosed.promise;
    assert.equal((await session.get('/items?next=2')).status, 200);
  });
});
