/** after(futures, make): dependent work started from the results of other futures. */
import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { after, asCompleted, FuturesSession, type ThreadfetchError, wait } from '@threadfetch/core';
import { type BackgroundServer, startBackgroundServer } from './helpers.js';

let server: BackgroundServer;
let session: FuturesSession;

before(async () => {
  server = await startBackgroundServer();
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});
afterAll(async () => {
  await session.close({ force: true });
  await server.close();
});

describe('after()', () => {
  it('starts a request from the responses of its dependencies, in order', async () => {
    const first = session.get('/pages/1', { background: 'json' });
    const second = session.get('/pages/2', { background: 'json' });
    const next = after([first, second], ([a, b]) => {
      const pa = a.data as { next: string };
      const pb = b.data as { next: string };
      assert.deepEqual([pa.next, pb.next], ['/pages/2', '/pages/3']);
      return session.get(pb.next, { background: 'json' });
    });
    assert.equal(next.done, false);
    assert.deepEqual((await next).data, { items: [3, 30], next: '/pages/4' });
  });

  it('a failed dependency rejects with TF_ERR_DEPENDENCY_FAILED and make never runs', async () => {
    let ran = false;
    const bad = session.get('http://127.0.0.1:1/refused');
    const next = after([session.get('/ok'), bad], () => {
      ran = true;
      return session.get('/ok');
    });
    await assert.rejects(next, (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_DEPENDENCY_FAILED');
      assert.equal((e.cause as ThreadfetchError).code, 'TF_ERR_CONNECTION_REFUSED');
      return true;
    });
    assert.equal(ran, false);
  });

  it('cancelled before its dependencies finish: make never runs', async () => {
    let ran = false;
    const slow = session.get('/download', { query: { size: 2_000_000, chunk: 65_536, pause: 10 } });
    const next = after([slow], () => {
      ran = true;
      return session.get('/ok');
    });
    assert.equal(next.cancel(), true);
    await assert.rejects(next, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await slow;
    assert.equal(ran, false);
    assert.equal(next.cancelled, true);
  });

  it('is a Future like any other: asCompleted and wait take it', async () => {
    const dep = session.get('/ok');
    const next = after([dep], () => session.get('/pages/5', { background: 'json' }));
    const order: unknown[] = [];
    for await (const f of asCompleted([next, dep])) order.push(f === dep ? 'dep' : 'next');
    assert.deepEqual(order, ['dep', 'next']);
    const { done, notDone } = await wait([next]);
    assert.equal(done.size, 1);
    assert.equal(notDone.size, 0);
  });

  it('make that throws rejects the future with its error', async () => {
    const next = after([session.get('/ok')], () => {
      throw new RangeError('no way');
    });
    await assert.rejects(next, (e: Error) => /no way/.test(e.message));
  });
});
