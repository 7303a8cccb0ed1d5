/** Future.withResolvers(): a future its caller settles (asynckit's AsyncResult.set), usable wherever a future is. */
import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { after, asCompleted, Future, FuturesSession, wait } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let session: FuturesSession;

before(async () => {
  server = await startServer({ '/user': (req, res) => sendJson(res, { path: req.url }) });
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});

afterAll(async () => {
  await session.close({ force: true });
  await server.close();
});

describe('Future.withResolvers', () => {
  it('is a future its caller settles: resolve, reject, cancel; only the first counts', async () => {
    const a = Future.withResolvers<number>();
    assert.equal(a.future.done, false);
    a.resolve(4);
    a.resolve(5);
    a.reject(new Error('late'));
    assert.equal(await a.future, 4);
    const b = Future.withResolvers<number>();
    b.reject('not an error');
    await assert.rejects(b.future, (error: Error) => error instanceof Error && error.cause === 'not an error');
    const c = Future.withResolvers<number>();
    assert.equal(c.future.cancel(), true);
    assert.equal(c.future.cancelled, true);
    await assert.rejects(c.future, { code: 'TF_ERR_ABORTED' });
    assert.equal(c.future.cancel(), false);
  });

  it('wait, asCompleted and after take it as any other future', async () => {
    const id = Future.withResolvers<string>();
    const request = session.get('/user/0');
    const chained = after([id.future], ([value]) => session.get(`/user/${value}`));
    const first = await wait([id.future, request], { returnWhen: 'FIRST_COMPLETED' });
    assert.deepEqual([...first.done], [request], 'the request is done; the caller has not set its future yet');
    assert.equal(chained.done, false);
    id.resolve('7');
    const order: unknown[] = [];
    for await (const f of asCompleted([id.future, request, chained])) order.push(f);
    assert.equal(order.length, 3);
    assert.deepEqual((await chained).json(), { path: '/user/7' });
  });
});
