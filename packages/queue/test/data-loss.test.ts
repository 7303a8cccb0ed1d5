/**
 * A Redis that comes back without its data (restarted empty on the same port) loses no request: the
 * producer notices when it reconnects, enqueues again the requests safe to repeat, and fails the others
 * at once with TF_ERR_QUEUE_DATA_LOST, instead of leaving them all to their deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Future, FuturesSession } from '@threadfetch/core';
import { type Hold, hold } from '../../core/dist-test/helpers/hold.js';
import { startServer, type TestServer } from '../../core/dist-test/helpers/server.js';
import { waitFor, waitForSeen } from '../../core/dist-test/helpers/wait.js';
import { type QueueEnv, startQueueEnv, waitUntil } from './helpers/queue-env.js';
import { redisSkip, startRedis, type TestRedis } from './helpers/redis.js';

let env: QueueEnv;
let server: TestServer;
let held: Hold;
let restarted: TestRedis | undefined;

before(async () => {
  if (redisSkip) return;
  held = hold();
  server = await startServer({ '/hold': held.handler });
  // Two jobs at once in the worker process: the others wait in Redis.
  env = await startQueueEnv({ processes: 1, threads: 1, concurrency: 2 });
});

after(async () => {
  if (redisSkip) return;
  held?.releaseAll();
  await env?.close();
  await restarted?.stop();
  await server?.close();
});

describe('a Redis restarted without its data', { skip: redisSkip }, () => {
  it('requests safe to repeat are enqueued again and succeed; a POST fails at once with TF_ERR_QUEUE_DATA_LOST', async () => {
    const session = new FuturesSession({ executor: env.executor, baseURL: server.url, timeout: 120_000 });
    try {
      const running = [0, 1].map((i) => session.get(`/hold?running-${i}`));
      await waitForSeen(server, '/hold?running-', 2);
      const waiting = [0, 1, 2, 3].map((i) => session.get(`/hold?waiting-${i}`));
      const post = session.post('/hold?post', { body: 'once' });
      await waitUntil(async () => (await env.inspect.getWaitingCount()) === 5, 'five jobs waiting in Redis');

      const { port } = env.redis;
      await env.redis.stop();
      restarted = await startRedis({ port });

      await assert.rejects(post, (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TF_ERR_QUEUE_DATA_LOST');
        assert.match(error.message, /POST is not safe to repeat/);
        return true;
      });
      // The worker process still runs the first two; the four lost from Redis run again from the new one.
      const gets: Future<unknown>[] = [...running, ...waiting];
      while (!gets.every((f) => f.done)) {
        await waitFor(() => held.waiting > 0 || gets.every((f) => f.done), 'a held request or the end', 60_000);
        held.releaseAll();
      }
      for (const f of gets) assert.equal((await f).status, 200);
      assert.ok(!server.seen.some((s) => s.url === '/hold?post' && s.method === 'POST'), 'the POST never reached the server');
    } finally {
      await session.close({ force: true });
    }
  });
});
