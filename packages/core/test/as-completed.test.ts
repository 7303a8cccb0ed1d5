import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asCompleted, Future, FuturesSession, Response, ReturnWhen, ThreadfetchError, wait } from '@threadfetch/core';
import { type Hold, hold } from './helpers/hold.js';
import { startServer, type TestServer } from './helpers/server.js';
import { asCompletedFollowsAnswers } from './helpers/shared-cases.js';

let server: TestServer;
let held: Hold;
let session: FuturesSession;

before(async () => {
  held = hold();
  server = await startServer({
    // answers after ?ms= milliseconds, with the delay as the body
    '/delay': (req, res) => {
      const ms = Number(new URL(req.url ?? '', 'http://x').searchParams.get('ms'));
      setTimeout(() => res.end(String(ms)), ms);
    },
    '/hold': held.handler,
    '/fail': (req) => req.socket.destroy(),
  });
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 2 });
});

after(async () => {
  held.releaseAll();
  await session.close({ force: true });
  await server.close();
});

/**
 * At run time asCompleted yields the futures; TypeScript types a `for await` variable as `Awaited<F>` (the
 * Response), see types.test.ts, so the loops below restore the real type.
 */
function asFuture(item: unknown): Future<unknown> {
  return item as Future<unknown>;
}

function codeOf(future: Future<unknown>): string | undefined {
  return (future.error as ThreadfetchError | undefined)?.code;
}

describe('asCompleted', () => {
  it('yields the Future objects themselves, in the order they settle', async () => {
    const slow = session.get('/delay?ms=900');
    const fast = session.get('/delay?ms=0');
    const middle = session.get('/delay?ms=450');
    const order: Future<unknown>[] = [];
    for await (const item of asCompleted([slow, fast, middle])) {
      const future = asFuture(item);
      assert.ok(future instanceof Future, 'a Future, not its response');
      assert.ok(!((future as unknown) instanceof Response));
      assert.equal(future.done, true);
      order.push(future);
    }
    assert.equal(order.length, 3);
    assert.ok(order[0] === fast && order[1] === middle && order[2] === slow, `settle order: ${order.map((f) => f.request.url).join(', ')}`);
    assert.deepEqual(await Promise.all(order.map(async (f) => (await f).text())), ['0', '450', '900']);
  });

  it('follows the order in which the server answers, one at a time', async () => {
    await asCompletedFollowsAnswers(session, server, held);
  });

  it('yields failed futures too, without throwing', async () => {
    const failing = session.get('/fail');
    const fine = session.get('/delay?ms=0');
    const seen: Future<unknown>[] = [];
    for await (const item of asCompleted([failing, fine])) seen.push(asFuture(item));
    assert.equal(seen.length, 2);
    assert.ok(seen.includes(failing) && seen.includes(fine));
    assert.equal(codeOf(failing), 'TF_ERR_CONNECTION_RESET');
    await assert.rejects(failing, (e: unknown) => (e as ThreadfetchError).code === 'TF_ERR_CONNECTION_RESET');
  });

  it('yields futures already done, and each future once even if listed twice', async () => {
    const done = session.get('/delay?ms=0');
    await done;
    const later = session.get('/delay?ms=10');
    const seen: Future<unknown>[] = [];
    for await (const item of asCompleted([done, later, done, later])) seen.push(asFuture(item));
    assert.equal(seen.length, 2);
    assert.equal(seen[0], done);
    assert.equal(seen[1], later);
  });

  it('with timeout, throws TF_ERR_RESULT_TIMEOUT once futures are left, after yielding the done ones', async () => {
    const fast = session.get('/delay?ms=0');
    const stalled = session.get('/hold?n=as-completed-timeout');
    const seen: Future<unknown>[] = [];
    await assert.rejects(
      async () => {
        for await (const item of asCompleted([fast, stalled], { timeout: 200 })) seen.push(asFuture(item));
      },
      (e: unknown) => e instanceof ThreadfetchError && e.code === 'TF_ERR_RESULT_TIMEOUT',
    );
    assert.deepEqual(seen, [fast]);
    assert.equal(stalled.done, false, 'the timeout does not cancel anything');
    assert.equal(stalled.cancel(), true);
  });

  it('an empty list completes at once', async () => {
    const seen: unknown[] = [];
    for await (const future of asCompleted([])) seen.push(future);
    assert.deepEqual(seen, []);
  });
});

describe('wait', () => {
  it('ALL_COMPLETED (the default) resolves once every future is done, failures included', async () => {
    const futures = [session.get('/delay?ms=0'), session.get('/delay?ms=100'), session.get('/fail')];
    const { done, notDone } = await wait(futures);
    assert.equal(done.size, 3);
    assert.equal(notDone.size, 0);
    for (const f of futures) assert.ok(done.has(f) && f.done);
    const explicit = await wait(futures, { returnWhen: ReturnWhen.ALL_COMPLETED });
    assert.equal(explicit.done.size, 3);
  });

  it('FIRST_COMPLETED resolves when one is done', async () => {
    const stalled = session.get('/hold?n=first-completed');
    const fast = session.get('/delay?ms=0');
    const { done, notDone } = await wait([stalled, fast], { returnWhen: 'FIRST_COMPLETED' });
    assert.deepEqual([...done], [fast]);
    assert.deepEqual([...notDone], [stalled]);
    stalled.cancel();
  });

  it('FIRST_EXCEPTION resolves at the first failure', async () => {
    const stalled = session.get('/hold?n=first-exception');
    const ok = session.get('/delay?ms=0');
    const failing = session.get('/fail');
    const { done, notDone } = await wait([stalled, ok, failing], { returnWhen: 'FIRST_EXCEPTION' });
    assert.ok(done.has(failing));
    assert.ok(notDone.has(stalled));
    assert.equal(codeOf(failing), 'TF_ERR_CONNECTION_RESET');
    stalled.cancel();
  });

  it('FIRST_EXCEPTION without any failure waits for all', async () => {
    const futures = [session.get('/delay?ms=0'), session.get('/delay?ms=150')];
    const { done, notDone } = await wait(futures, { returnWhen: 'FIRST_EXCEPTION' });
    assert.equal(done.size, 2);
    assert.equal(notDone.size, 0);
  });

  it('timeout resolves with what is done so far and cancels nothing', async () => {
    const stalled = session.get('/hold?n=wait-timeout');
    const fast = session.get('/delay?ms=0');
    await fast;
    const { done, notDone } = await wait([stalled, fast], { timeout: 100 });
    assert.deepEqual([...done], [fast]);
    assert.deepEqual([...notDone], [stalled]);
    assert.equal(stalled.done, false);
    assert.equal(stalled.cancelled, false);
    stalled.cancel();
  });

  it('rejects an unknown returnWhen with TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(wait([], { returnWhen: 'SOMETIMES' as never }), (e: unknown) => (e as ThreadfetchError).code === 'TF_ERR_INVALID_ARGUMENT');
  });
});
