/**
 * What a producer reads from its result list is checked before use (whoever can write to the Redis
 * can push anything there): a message that is not a result is dropped, one that names a pending job
 * but is malformed fails that job with TF_ERR_WORKER_CRASHED, and the results after it in the same
 * batch still arrive. Before, `{ job, result: null }` removed the job and then threw: its future never settled.
 * Also: a Redis client as `connection` is refused, naming the option.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serialize } from 'node:v8';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { QueueExecutor } from '@threadfetch/queue';
import { Redis } from 'ioredis';
import { waitFor } from '../../core/dist-test/helpers/wait.js';
import { redisSkip, startRedis } from './helpers/redis.js';

describe('QueueExecutor: malformed data in Redis', { skip: redisSkip, timeout: 30_000 }, () => {
  test('a malformed result fails its job, coded, and the next result of the batch still arrives', async () => {
    const redis = await startRedis();
    const push = new Redis(redis.url);
    // No worker process: the jobs wait; the test writes their results itself.
    const executor = new QueueExecutor({ connection: redis.url, queue: 'malformed' });
    const session = new FuturesSession({ executor });
    try {
      const bad = session.get('http://127.0.0.1:1/bad');
      const good = session.get('http://127.0.0.1:1/good');
      await waitFor(() => executor.stats().queued === 2, 'both jobs submitted');
      const id = (n: number) => `${executor.producerId}-${n}`;
      const envelope = { id: 0, ok: true, status: 200, headers: { 'x-test': 'yes' }, times: [0, 0, 0, 0, 0] };
      await push.rpush(
        `bull:malformed:tf:results:${executor.producerId}`,
        serialize(null),
        serialize({ job: id(1), result: null }),
        serialize({ job: id(2), result: envelope }),
      );
      assert.equal((await good).headers.get('x-test'), 'yes');
      const error = await bad.then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e as ThreadfetchError,
      );
      assert.equal(error.code, 'TF_ERR_WORKER_CRASHED');
      assert.match(error.message, /malformed/);
    } finally {
      await session.close({ force: true });
      await executor.destroy();
      await push.quit();
      await redis.stop();
    }
  });

  test('a Redis client as options.connection is refused, naming the option', () => {
    const client = new Redis({ lazyConnect: true });
    assert.throws(() => new QueueExecutor({ connection: client as never, queue: 'q' }), {
      code: 'TF_ERR_INVALID_ARGUMENT',
      message: /options\.connection .*not a client/,
    });
    client.disconnect();
  });
});
