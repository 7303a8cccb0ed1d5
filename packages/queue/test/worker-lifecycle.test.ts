/**
 * A worker process's life as a producer sees it: SIGTERM drains (the active job finishes and its result
 * arrives, no new job is taken, exit 0), and a job lost more often than --max-stalled-count fails with
 * TF_ERR_WORKER_CRASHED, once, instead of running again.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Hold, hold } from '../../core/dist-test/helpers/hold.js';
import { startServer, type TestServer } from '../../core/dist-test/helpers/server.js';
import { seenCount, waitFor, waitForSeen } from '../../core/dist-test/helpers/wait.js';
import { rejectsWith } from '../../core/dist-test/http/helpers.js';
import { type ConformanceCallbacks, conformanceCallbacks, startQueueEnv, waitUntil } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';
import { startWorker } from './helpers/worker-process.js';

let server: TestServer;
let held: Hold;
/** /park reports: which process runs which request; held open until the test answers them. */
const parks: { i: number; pid: number; res: ServerResponse }[] = [];

before(async () => {
  if (redisSkip) return;
  held = hold();
  server = await startServer({
    '/hold': held.handler,
    '/ok': (_req, res) => res.writeHead(200).end('ok'),
    '/park': (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      parks.push({ i: Number(url.searchParams.get('i')), pid: Number(url.searchParams.get('pid')), res });
    },
  });
});

after(async () => {
  if (redisSkip) return;
  held?.releaseAll();
  for (const p of parks) p.res.destroy();
  await server?.close();
});

describe('queue: worker process lifecycle', { skip: redisSkip, timeout: 60_000 }, () => {
  it('SIGTERM: the active job finishes and its result arrives, no new job is taken, the process exits 0', async () => {
    const env = await startQueueEnv({ processes: 1, concurrency: 2 });
    const session = new FuturesSession({ executor: env.executor, baseURL: server.url });
    try {
      const [worker] = env.workers.processes;
      assert.ok(worker);
      const active = session.get('/hold?n=term');
      await waitForSeen(server, '/hold?n=term');
      const exit = worker.stop('SIGTERM');
      await waitFor(() => worker.output().includes('SIGTERM'), `the process to take the signal: ${env.output()}`);
      const later = session.get('/ok?n=after-term');
      await waitUntil(async () => (await env.inspect.getWaitingCount()) === 1, 'the later job to wait in Redis');
      held.release('finished', 'n=term');
      assert.equal((await active).text(), 'finished');
      assert.equal(await exit, 0, env.output());
      assert.equal(later.done, false);
      assert.equal(seenCount(server, '/ok?n=after-term'), 0, 'a stopping process takes no new job');
      const next = await startWorker(['--redis', env.redis.url, '--queue', env.queueName, '--workers', '1']);
      try {
        assert.equal((await later).text(), 'ok', 'the waiting job runs on the next process');
      } finally {
        await next.stop('SIGTERM');
      }
    } finally {
      await session.close({ force: true });
      await env.close();
    }
  });

  it('a job lost more often than --max-stalled-count fails with TF_ERR_WORKER_CRASHED, once, and is not run again', async () => {
    const env = await startQueueEnv({
      processes: 2,
      concurrency: 1,
      args: ['--lock-duration', '1000', '--stalled-interval', '200', '--max-stalled-count', '0'],
    });
    const session = new FuturesSession<ConformanceCallbacks>({ executor: env.executor, baseURL: server.url, callbacks: conformanceCallbacks });
    try {
      let settles = 0;
      const future = session.get('/ok?i=7', { background: 'park' });
      future.then<void, void>(
        () => {
          settles += 1;
        },
        () => {
          settles += 1;
        },
      );
      await waitFor(() => parks.some((p) => p.i === 7), 'the job to start in a worker process');
      const victim = env.workers.processes.find((p) => p.pid === parks.find((q) => q.i === 7)?.pid);
      assert.ok(victim, `a process of this test runs it: ${JSON.stringify(parks.map((p) => p.pid))}`);
      await victim.stop('SIGKILL');
      const error = await rejectsWith(future, 'TF_ERR_WORKER_CRASHED');
      assert.match(error.message, /stalled/);
      await waitUntil(async () => (await env.inspect.getFailedCount()) === 1, 'the BullMQ job to be failed');
      assert.equal(settles, 1);
      assert.equal(seenCount(server, '/ok?i=7'), 1, 'never run again');
      assert.equal((await session.get('/ok?n=survivor')).status, 200, 'the other process goes on');
    } finally {
      await session.close({ force: true });
      await env.close();
    }
  });
});
