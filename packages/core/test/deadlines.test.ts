import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, TimeoutError } from '@threadfetch/core';
import { type Hold, hold } from './helpers/hold.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let held: Hold;
let session: FuturesSession;

before(async () => {
  held = hold();
  server = await startServer({ '/hold': held.handler });
  session = new FuturesSession({ maxWorkers: 1 });
});

after(async () => {
  held.releaseAll();
  await session.close({ force: true });
  await server.close();
});

describe('deadlines (one timer for all requests)', () => {
  it('a shorter timeout made after a longer one expires first, on time', async () => {
    const long = session.get(`${server.url}/hold?long`, { timeout: 10_000 });
    const started = performance.now();
    const short = session.get(`${server.url}/hold?short`, { timeout: 100 });
    await assert.rejects(short, (error) => error instanceof TimeoutError && /within 100 ms/.test(error.message));
    const took = performance.now() - started;
    assert.ok(took >= 95 && took < 2_000, `expired after ${took} ms`);
    assert.equal(long.done, false);
    long.cancel();
    await assert.rejects(long);
  });

  it('requests of one timeout expire in order; settled ones never do', async () => {
    const first = session.get(`${server.url}/hold?a`, { timeout: 150 });
    const second = session.get(`${server.url}/hold?b`, { timeout: 150 });
    const third = session.get(`${server.url}/hold?c`, { timeout: 150 });
    second.cancel();
    const order: string[] = [];
    await Promise.allSettled([first.then(undefined, () => order.push('first')), third.then(undefined, () => order.push('third'))]);
    assert.deepEqual(order, ['first', 'third']);
    assert.ok(first.error instanceof TimeoutError);
    assert.ok(third.error instanceof TimeoutError);
    assert.equal(second.cancelled, true);
    assert.ok(!(second.error instanceof TimeoutError));
  });
});
