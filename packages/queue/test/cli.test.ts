/** The `threadfetch-worker` command line: --help, argument errors naming the flag, and a clean exit on SIGTERM. */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { QueueExecutor } from '@threadfetch/queue';
import { startServer } from './helpers/http-server.js';
import { redisSkip, startRedis, type TestRedis } from './helpers/redis.js';
import { callbacksPath, runWorker, startWorker } from './helpers/worker-process.js';

describe('threadfetch-worker: arguments', { timeout: 30_000 }, () => {
  test('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await runWorker(['--help']);
    assert.equal(code, 0);
    for (const flag of ['--redis', '--queue', '--callbacks', '--workers', '--concurrency', '--lock-duration', '--stalled-interval'])
      assert.match(stdout, new RegExp(flag));
  });

  const bad: [string, string[], RegExp][] = [
    ['no --redis', ['--queue', 'q'], /--redis URL is required/],
    ['a bad URL', ['--redis', 'http://x', '--queue', 'q'], /--redis must be a redis:\/\//],
    ['no --queue', ['--redis', 'redis://127.0.0.1:1'], /--queue must be/],
    ['a queue name with ":"', ['--redis', 'redis://127.0.0.1:1', '--queue', 'a:b'], /--queue must be/],
    ['--workers 0', ['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--workers', '0'], /--workers must be an integer >= 1/],
    ['--concurrency x', ['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--concurrency', 'x'], /--concurrency must be an integer/],
    ['--lock-duration 10', ['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--lock-duration', '10'], /--lock-duration must be an integer >= 1000/],
    ['a missing callbacks module', ['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--callbacks', '/nonexistent/cb.js'], /--callbacks: no such file/],
    ['an unknown flag', ['--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--wokers', '2'], /--wokers/],
  ];
  for (const [what, args, message] of bad) {
    test(`${what}: exits 2 naming the flag`, async () => {
      const { code, stderr } = await runWorker(args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.match(stderr, /Usage: threadfetch-worker/);
    });
  }
});

describe('threadfetch-worker: signals', { skip: redisSkip, timeout: 30_000 }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal}: an idle worker process exits 0`, async () => {
      const worker = await startWorker(['--redis', redis.url, '--queue', `cli-${signal}`, '--callbacks', callbacksPath, '--workers', '1']);
      try {
        assert.equal(await worker.stop(signal), 0, worker.output());
      } finally {
        await worker.stop('SIGKILL');
      }
    });
  }

  test('SIGTERM with a job active: the process finishes it, the future resolves, then it exits 0', async () => {
    let held: http.ServerResponse | undefined;
    let seen!: () => void;
    const holding = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const server = await startServer({
      '/hold': (_req, res) => {
        held = res;
        seen();
      },
    });
    const queue = 'cli-drain';
    const worker = await startWorker(['--redis', redis.url, '--queue', queue, '--workers', '1']);
    const executor = new QueueExecutor({ connection: redis.url, queue });
    const session = new FuturesSession({ executor });
    try {
      const future = session.get(`${server.url}/hold`);
      await holding;
      const exited = worker.stop('SIGTERM');
      // Told to stop while the job runs: it says so, and waits for the job.
      while (!worker.output().includes('SIGTERM: finishing active jobs')) await new Promise((r) => setTimeout(r, 10));
      held?.end('finished');
      assert.equal((await future).text(), 'finished');
      assert.equal(await exited, 0, worker.output());
    } finally {
      await worker.stop('SIGKILL');
      await session.close({ force: true });
      await executor.destroy();
      await server.close();
    }
  });
});
