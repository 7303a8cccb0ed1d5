/**
 * Shutting down with Redis gone: a producer process exits by itself after `session.close();
 * executor.destroy()`, and a worker process exits 0 on SIGTERM. Before, destroy() never returned
 * (BullMQ's close waits for a connection that reconnects forever) and the worker process never exited.
 * Also: destroy() called twice returns the same promise (before, the second resolved at once).
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { QueueExecutor } from '@threadfetch/queue';
import { redisSkip, startRedis } from './helpers/redis.js';
import { startWorker } from './helpers/worker-process.js';

const producer = fileURLToPath(new URL('./fixtures/producer-exit.js', import.meta.url));
/** Only a hang trips it: the child is killed and the test fails naming what it printed. */
const exitLimitMs = 30_000;
const producers = 6;

describe('shutdown with Redis gone', { skip: redisSkip, timeout: 60_000 }, () => {
  test('producer processes exit by themselves after session.close() and executor.destroy()', async () => {
    // Several at once: the hang this guards against (a result read left waiting on a connection
    // destroy() ended, its watchdog timer keeping the process alive) came in some runs, not all.
    const redis = await startRedis();
    const children = Array.from({ length: producers }, (_, i) => {
      const child = fork(producer, [redis.url, `exit-test-${i}`], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      let output = '';
      child.stdout?.on('data', (c: Buffer) => {
        output += c.toString();
      });
      child.stderr?.on('data', (c: Buffer) => {
        output += c.toString();
      });
      return { child, exit: once(child, 'exit'), output: () => output };
    });
    const killer = setTimeout(() => {
      for (const { child } of children) child.kill('SIGKILL');
    }, exitLimitMs);
    try {
      for (const { child } of children) assert.equal((await once(child, 'message'))[0], 'waiting');
      await redis.stop();
      // Go while their connections are between reconnect attempts, each at another point.
      for (const [i, { child }] of children.entries()) setTimeout(() => child.send('go'), 100 + 150 * i);
      for (const [i, { exit, output }] of children.entries()) {
        const [code, signal] = await exit;
        assert.equal(signal, null, `producer ${i} was killed: it did not exit by itself; output:\n${output()}`);
        assert.equal(code, 0, output());
        assert.match(output(), /destroyed; the future: TF_ERR_(ABORTED|SESSION_CLOSED)/);
      }
    } finally {
      clearTimeout(killer);
      for (const { child } of children) child.kill('SIGKILL');
      await redis.stop();
    }
  });

  test('a worker process whose Redis is gone exits 0 on SIGTERM', async () => {
    const redis = await startRedis();
    const worker = await startWorker(['--redis', redis.url, '--queue', 'exit-test', '--workers', '1']);
    try {
      await redis.stop();
      assert.equal(await worker.stop('SIGTERM', exitLimitMs), 0, `it did not exit on SIGTERM:\n${worker.output()}`);
    } finally {
      await worker.stop('SIGKILL');
      await redis.stop();
    }
  });

  test("destroy() twice: the second call returns the first one's promise, settled only once the connections are closed", async () => {
    const redis = await startRedis();
    try {
      const executor = new QueueExecutor({ connection: redis.url, queue: 'destroy-twice' });
      const first = executor.destroy();
      assert.equal(executor.destroy(), first);
      await first;
    } finally {
      await redis.stop();
    }
  });
});
