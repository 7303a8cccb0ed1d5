/**
 * Results and failures that a dropped connection or a missed event would have lost, provoked in a real
 * Redis with no worker process (the test writes what a worker process would):
 * - a result moved into the processing list whose reply never reached the producer (the state a
 *   connection dropped mid-BLMOVE leaves): handed over once the reader's connection is made again,
 *   acked, and a second copy of it dropped;
 * - a job failed in BullMQ without its `failed` event reaching the producer, and a job gone from Redis:
 *   the reconciliation fails their futures with TF_ERR_WORKER_CRASHED.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serialize } from 'node:v8';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { QueueExecutor, type QueueExecutorOptions } from '@threadfetch/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { waitFor } from '../../core/dist-test/helpers/wait.js';
import { waitUntil } from './helpers/queue-env.js';
import { redisSkip, startRedis, type TestRedis } from './helpers/redis.js';

const queue = 'reliable';
const envelope = { id: 0, ok: true, status: 200, headers: { 'x-test': 'yes' }, times: [0, 0, 0, 0, 0] };

async function withExecutor(
  options: Omit<QueueExecutorOptions, 'connection' | 'queue'>,
  body: (x: { executor: QueueExecutor; session: FuturesSession; redis: TestRedis; direct: Redis; jobKey: (n: number) => string }) => Promise<void>,
): Promise<void> {
  const redis = await startRedis();
  const direct = new Redis(redis.url);
  const executor = new QueueExecutor({ connection: redis.url, queue, ...options });
  const session = new FuturesSession({ executor });
  try {
    await body({ executor, session, redis, direct, jobKey: (n) => `${executor.producerId}-${n}` });
  } finally {
    await session.close({ force: true });
    await executor.destroy();
    await direct.quit();
    await redis.stop();
  }
}

async function rejection(promise: Promise<unknown>): Promise<ThreadfetchError> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e as ThreadfetchError,
  );
}

describe('QueueExecutor: reliable results and reconciliation', { skip: redisSkip, timeout: 30_000 }, () => {
  test('a result left in the processing list by a dropped connection settles its future once, then is acked', async () => {
    await withExecutor({ readTimeout: 200 }, async ({ executor, session, direct, jobKey }) => {
      const future = session.get('http://127.0.0.1:1/lost');
      await waitFor(() => executor.stats().queued === 1, 'the job submitted');
      const name = `tf-results:${executor.producerId}`;
      const reader = async () => ((await direct.call('CLIENT', 'LIST')) as string).split('\n').find((l) => l.includes(`name=${name} `));
      await waitUntil(async () => (await reader())?.includes('cmd=blmove') === true, 'the reader blocked in BLMOVE');
      const id = /\bid=(\d+)/.exec((await reader()) ?? '')?.[1];
      assert.ok(id);
      const processing = `bull:${queue}:tf:processing:${executor.producerId}`;
      const bytes = serialize({ job: jobKey(1), result: envelope });
      // Moved in Redis, reply lost: the result is in the processing list only; then the connection drops.
      await direct.rpush(processing, bytes);
      await direct.call('CLIENT', 'KILL', 'ID', id);
      assert.equal((await future).headers.get('x-test'), 'yes');
      await waitUntil(async () => (await direct.exists(processing)) === 0, 'the result acked');
      // A second copy (as a result handed over twice would be): dropped, acked, nothing settles again.
      await direct.rpush(`bull:${queue}:tf:results:${executor.producerId}`, bytes);
      await waitUntil(async () => (await direct.exists(processing, `bull:${queue}:tf:results:${executor.producerId}`)) === 0, 'the second copy read and acked');
      assert.equal(executor.stats().completed, 1);
    });
  });

  test('a job failed in BullMQ whose failed event was missed fails its future, coded', async () => {
    await withExecutor({ reconcileInterval: 100 }, async ({ session, redis, direct, jobKey }) => {
      const inspect = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
      try {
        const future = session.get('http://127.0.0.1:1/failed');
        await waitUntil(async () => (await inspect.getJobState(jobKey(1))) === 'waiting', 'the job in the queue');
        // What BullMQ's stalled check does to a job stalled too often, without the event.
        await direct
          .multi()
          .lrem(`bull:${queue}:wait`, 0, jobKey(1))
          .zadd(`bull:${queue}:failed`, Date.now(), jobKey(1))
          .hset(`bull:${queue}:${jobKey(1)}`, 'failedReason', 'job stalled more than allowable limit')
          .exec();
        const error = await rejection(future);
        assert.equal(error.code, 'TF_ERR_WORKER_CRASHED');
        assert.match(error.message, /stalled more than allowable limit/);
      } finally {
        await inspect.close();
      }
    });
  });

  test('a job gone from Redis without a result fails its future with TF_ERR_WORKER_CRASHED', async () => {
    await withExecutor({ reconcileInterval: 100 }, async ({ session, redis, jobKey }) => {
      const inspect = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
      try {
        const future = session.get('http://127.0.0.1:1/gone');
        await waitUntil(async () => (await inspect.getJobState(jobKey(1))) === 'waiting', 'the job in the queue');
        assert.equal(await inspect.remove(jobKey(1)), 1);
        const error = await rejection(future);
        assert.equal(error.code, 'TF_ERR_WORKER_CRASHED');
        assert.match(error.message, /gone from Redis/);
      } finally {
        await inspect.close();
      }
    });
  });
});
