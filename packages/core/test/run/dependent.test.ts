/** Futures among session.run()'s arguments (asynckit's chained work): awaited first, their values in place. */
import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { DependencyError, Future, FuturesSession } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';

type Runs = typeof import('./fixtures/runs.js');
const runs = new URL('./fixtures/runs.js', import.meta.url);

let server: TestServer;
let session: FuturesSession<Runs>;

before(async () => {
  server = await startServer({ '/items': (_req, res) => sendJson(res, { items: [1, 2, 3] }) });
  session = new FuturesSession<Runs>({ baseURL: server.url, callbacks: runs, maxWorkers: 1 });
});

afterAll(async () => {
  await session.close({ force: true });
  await server.close();
});

describe('futures among run arguments', () => {
  it('the work is sent once every future is set, with the values in place (the design example)', async () => {
    const { future: a, resolve } = Future.withResolvers<number>();
    const sum = session.run('sumAll', a, 1, session.run('add', 2, 3));
    // Another run through the same worker finishes first: sum is still waiting for `a`.
    assert.equal(await session.run('add', 0, 1), 1);
    assert.equal(sum.done, false);
    assert.equal(sum.running, false);
    resolve(10);
    assert.equal(await sum, 16);
  });

  it("a request's response arrives as a ResponseSnapshot: status, headers, body and data", async () => {
    const json = session.get('/items', { background: 'json' });
    const seen = await session.run('describeResponse', json);
    assert.equal(seen.status, 200);
    assert.deepEqual(seen.data, { items: [1, 2, 3] });
    assert.equal(seen.type, 'application/json');
    assert.equal(seen.bodyLength, JSON.stringify({ items: [1, 2, 3] }).length);
    assert.equal((await json).body.byteLength, seen.bodyLength, "the response keeps its body: the run's is a copy");
  });

  it('a failed argument fails the run with TF_ERR_DEPENDENCY_FAILED (cause: its error) and it never runs', async () => {
    const before = session.stats().completed + session.stats().failed;
    const { future: a, reject } = Future.withResolvers<number>();
    const sum = session.run('sumAll', a, 1);
    const original = new RangeError('no value');
    reject(original);
    await assert.rejects(sum, (error: Error) => {
      assert.ok(error instanceof DependencyError);
      assert.equal((error as DependencyError).code, 'TF_ERR_DEPENDENCY_FAILED');
      assert.equal(error.cause, original);
      assert.match(error.message, /argument 0 \(SET \(settled by its caller\)\) failed: no value/);
      return true;
    });
    const failing = session.run('add', session.run('fails', 'inner'), 1);
    await assert.rejects(failing, (error: Error) => (error.cause as { code?: string }).code === 'TF_ERR_CALLBACK_FAILED');
    const after = session.stats();
    assert.equal(after.completed + after.failed, before + 1, 'only the inner run went to a worker');
  });

  it('a run waiting on its arguments can be cancelled: it never runs, even once they are set', async () => {
    const before = session.stats().completed;
    const { future: a, resolve } = Future.withResolvers<number>();
    const sum = session.run('sumAll', a, 1);
    assert.equal(sum.cancel(), true);
    await assert.rejects(sum, { code: 'TF_ERR_ABORTED' });
    resolve(1);
    assert.equal(await session.run('add', 1, 1), 2);
    assert.equal(session.stats().completed, before + 1, 'only the last run went to a worker');
  });

  it('the deadline counts from when the arguments are set, not from the call', async () => {
    const { future: a, resolve } = Future.withResolvers<string>();
    const run = session.runWith({ timeout: 2_000 }, 'upper', a);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(run.done, false);
    resolve('late');
    // The deadline would have passed had it counted from the call; from now, 2 s is ample for a warm worker.
    assert.equal(await run, 'LATE');
  });
});
