/**
 * session.run through the queue (asynckit's pool across machines): a callbacks export runs in a
 * threadfetch-worker process, with the same errors as on local threads; future arguments resolve on
 * the producer before the job is enqueued.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Future, FuturesSession } from '@threadfetch/core';
import { type ConformanceCallbacks, type QueueEnv, startQueueEnv } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';

let env: QueueEnv;
let session: FuturesSession<ConformanceCallbacks>;

before(async () => {
  if (redisSkip) return;
  env = await startQueueEnv({ processes: 1, threads: 1 });
  session = new FuturesSession<ConformanceCallbacks>({ executor: env.executor });
});

after(async () => {
  if (redisSkip) return;
  await session?.close({ force: true });
  await env?.close();
});

describe('session.run on the queue', { skip: redisSkip }, () => {
  it('runs the export in a worker process and resolves with its value; bytes go and come back', async () => {
    assert.equal(await session.run('add', 2, 3), 5);
    const pid = await session.run('pid');
    assert.equal(typeof pid, 'number');
    assert.notEqual(pid, process.pid);
    const result = await session.run('increment', new Uint8Array([1, 2, 255]));
    assert.equal(result.length, 3);
    assert.deepEqual([...result.out], [2, 3, 0]);
  });

  it('the same errors: TF_ERR_CALLBACK_FAILED with the message, TF_ERR_UNKNOWN_CALLBACK, hooks TF_ERR_NOT_SUPPORTED', async () => {
    await assert.rejects(session.run('fails'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(error.message, /run "fails" failed: callback exploded/);
      return true;
    });
    await assert.rejects((session as unknown as FuturesSession).run('nope'), { code: 'TF_ERR_UNKNOWN_CALLBACK' });
    await assert.rejects(session.runWith({ hooks: { note() {} } }, 'add', 1, 2), { code: 'TF_ERR_NOT_SUPPORTED' });
  });

  it('future arguments resolve on the producer; one that fails means the job is never enqueued', async () => {
    const { future: a, resolve } = Future.withResolvers<number>();
    const sum = session.run('add', a, session.run('add', 1, 2));
    resolve(10);
    assert.equal(await sum, 13);
    const before = await env.inspect.getJobCountByTypes('completed', 'failed', 'active', 'waiting');
    const { future: b, reject } = Future.withResolvers<number>();
    const failing = session.run('add', b, 1);
    reject(new Error('no b'));
    await assert.rejects(failing, { code: 'TF_ERR_DEPENDENCY_FAILED' });
    assert.equal(await env.inspect.getJobCountByTypes('completed', 'failed', 'active', 'waiting'), before);
  });
});
