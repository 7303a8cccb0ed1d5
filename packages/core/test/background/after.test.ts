/** after(futures, make): dependent work started from the results of other futures. */
import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { after, asCompleted, FuturesSession, type ThreadfetchError, wait } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
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

  it('running while the request make returned is with a worker; cancel() settles it at once', async () => {
    let inner: ReturnType<FuturesSession['get']> | undefined;
    const next = after([session.get('/ok')], () => {
      inner = session.get('/download', { query: { size: 2_000_000, chunk: 65_536, pause: 10 } });
      return inner;
    });
    await waitFor(() => inner?.running === true, 'the request make returned to be sent');
    assert.equal(next.running, true, 'running as its request is');
    assert.equal(next.done, false);
    assert.equal(next.cancel(), true);
    assert.equal(next.done, true, 'done as soon as cancel() returned, as a request is');
    assert.equal(next.running, false);
    assert.equal(next.cancelled, true);
    assert.equal((next.error as ThreadfetchError).code, 'TF_ERR_ABORTED');
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

  it('cancelled after make ran: cancels the request make returned, in its worker', async () => {
    const held = server.held.length;
    let inner: ReturnType<typeof session.get> | undefined;
    const next = after([session.get('/ok')], () => {
      inner = session.get('/hold');
      return inner;
    });
    await waitFor(() => server.held.length > held, 'the dependent request to reach the server');
    const res = server.held.at(-1);
    assert.ok(res && inner);
    assert.equal(next.running, true);
    const closed = new Promise((resolve) => res.once('close', resolve));
    assert.equal(next.cancel('no longer needed'), true);
    await assert.rejects(next, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await assert.rejects(inner, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    assert.equal(next.cancelled, true);
    assert.equal(inner.cancelled, true);
    await closed;
    assert.equal(res.writableFinished, false, 'the request was abandoned, not answered');
  });

  it('cancelling it never cancels its dependencies', async () => {
    const dep = session.get('/download', { query: { size: 1_000_000, chunk: 65_536, pause: 5 } });
    const next = after([dep], () => session.get('/ok'));
    next.cancel();
    assert.equal(dep.cancelled, false);
    assert.equal((await dep).body.byteLength, 1_000_000);
  });

  it('a dependency cancelled is a dependency failed: TF_ERR_DEPENDENCY_FAILED, TF_ERR_ABORTED as cause', async () => {
    const dep = session.get('/hold');
    const next = after([dep], () => session.get('/ok'));
    dep.cancel();
    await assert.rejects(next, (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_DEPENDENCY_FAILED');
      assert.match(e.message, /\/hold/);
      assert.equal((e.cause as ThreadfetchError).code, 'TF_ERR_ABORTED');
      return true;
    });
    assert.equal(next.cancelled, false, 'it failed; nobody cancelled it');
  });

  it('a make that throws rejects with a coded error, the thrown value as cause; a coded error as it is', async () => {
    const thrown = new Error('make says no');
    const plain = after([session.get('/pages/1')], () => {
      throw thrown;
    });
    const error = await plain.then(
      () => assert.fail('it should reject'),
      (e: unknown) => e as ThreadfetchError,
    );
    assert.equal(error.code, 'TF_ERR_CALLBACK_FAILED');
    assert.match(error.message, /make threw: make says no/);
    assert.equal(error.cause, thrown);
    const coded = after([session.get('/pages/1')], () => session.get('/pages/1', { tiemout: 1 } as never));
    await assert.rejects(coded, (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });

  it('chains: a future made by after() can be the dependency of another', async () => {
    const one = session.get('/pages/1', { background: 'json' });
    const two = after([one], ([a]) => session.get((a.data as { next: string }).next, { background: 'json' }));
    const three = after([two], ([b]) => session.get((b.data as { next: string }).next, { background: 'json' }));
    assert.deepEqual((await three).data, { items: [3, 30], next: '/pages/4' });
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
    assert.equal(next.done, true);
    assert.deepEqual((await next.result()).data, { items: [5, 50], next: null });
  });

  it('make that returns something other than a Future rejects with a TypeError saying so', async () => {
    const next = after([session.get('/ok')], () => Promise.resolve('not a future') as never);
    await assert.rejects(next, (e: ThreadfetchError) => e instanceof TypeError && e.code === 'TF_ERR_INVALID_ARGUMENT' && /Future/.test(e.message));
  });

  it('no dependencies: make runs at once', async () => {
    const next = after([], () => session.get('/ok'));
    assert.equal((await next).text(), 'ok');
  });

  it('bad input rejects with TF_ERR_INVALID_ARGUMENT, as every request does', async () => {
    let made = 0;
    const make = () => {
      made++;
      return session.get('/ok');
    };
    const invalid = (what: RegExp) => (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT', e.message);
      assert.ok(e instanceof TypeError);
      assert.match(e.message, what);
      return true;
    };
    await assert.rejects(after('not futures' as never, make), invalid(/dependencies must be an array of futures, got string/));
    await assert.rejects(after(new Set([session.get('/ok')]) as never, make), invalid(/dependencies must be an array/));
    await assert.rejects(after([session.get('/ok'), Promise.resolve(1)] as never, make), invalid(/dependencies\[1\] must be a Future/));
    await assert.rejects(after(undefined as never, make), invalid(/dependencies must be an array of futures, got undefined/));
    await assert.rejects(after([session.get('/ok')], 5 as never), invalid(/make must be a function/));
    assert.equal(made, 0, 'make never ran');
  });

  it('result(ms) gives up waiting without cancelling', async () => {
    const held = server.held.length;
    const next = after([session.get('/ok')], () => session.get('/hold'));
    await assert.rejects(next.result(50), (e: ThreadfetchError) => e.code === 'TF_ERR_RESULT_TIMEOUT');
    await waitFor(() => server.held.length > held, 'the dependent request to reach the server');
    assert.equal(next.done, false);
    server.held.at(-1)?.end('late');
    assert.equal((await next).text(), 'late');
  });
});
