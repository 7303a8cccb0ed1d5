/** Cases both executors run (the thread pool here, the queue package's conformance tests there). */
import assert from 'node:assert/strict';
import { asCompleted, type Future, type FuturesSession } from '@threadfetch/core';
import type { Hold } from './hold.js';
import type { TestServer } from './server.js';
import { waitForSeen } from './wait.js';

/**
 * asCompleted yields three held requests in the order the server answers them (2, 0, 1), one at a
 * time: each is released only after the iterator was asked for the next one. `server` must route
 * `/hold` to `held`.
 */
export async function asCompletedFollowsAnswers(session: FuturesSession, server: TestServer, held: Hold): Promise<void> {
  const futures = [session.get('/hold?i=0'), session.get('/hold?i=1'), session.get('/hold?i=2')];
  await waitForSeen(server, '/hold?i=', 3);
  const iterator = asCompleted(futures);
  for (const i of [2, 0, 1]) {
    const next = iterator.next();
    held.release(`r${i}`, `i=${i}`);
    const { value, done } = await next;
    assert.equal(done, false);
    assert.equal(value, futures[i]);
    assert.equal((await (value as Future<unknown>)).text(), `r${i}`);
  }
  assert.equal((await iterator.next()).done, true);
}
