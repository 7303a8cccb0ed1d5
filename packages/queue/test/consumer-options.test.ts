/** QueueConsumer (what threadfetch-worker runs, exported for embedding) refuses bad options before it connects, naming the option. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueueConsumer, type QueueConsumerOptions } from '@threadfetch/queue';

const good: QueueConsumerOptions = {
  connection: 'redis://127.0.0.1:1',
  queue: 'q',
  prefix: 'bull',
  callbacks: undefined,
  workers: 1,
  concurrency: 4,
  lockDuration: 30_000,
  stalledInterval: 30_000,
  maxStalledCount: 1,
};

describe('QueueConsumer options', () => {
  const bad: [string, Partial<Record<keyof QueueConsumerOptions, unknown>>][] = [
    ['options.connection', { connection: 'http://127.0.0.1:6379' }],
    ['options.connection', { connection: 42 }],
    ['options.queue', { queue: 'a:b' }],
    ['options.prefix', { prefix: '' }],
    ['options.callbacks', { callbacks: './callbacks.js' }],
    ['options.workers', { workers: 0 }],
    ['options.concurrency', { concurrency: 1.5 }],
    ['options.lockDuration', { lockDuration: -1 }],
    ['options.stalledInterval', { stalledInterval: '30000' }],
    ['options.maxStalledCount', { maxStalledCount: -1 }],
  ];
  for (const [name, change] of bad) {
    test(`${name}: ${JSON.stringify(Object.values(change)[0])} is TF_ERR_INVALID_ARGUMENT naming it`, () => {
      assert.throws(
        () => new QueueConsumer({ ...good, ...change } as QueueConsumerOptions),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'TF_ERR_INVALID_ARGUMENT');
          assert.ok(error.message.includes(name), error.message);
          return true;
        },
      );
    });
  }
});
