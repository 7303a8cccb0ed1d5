/**
 * Three worker processes, one killed (SIGKILL) mid-run: BullMQ's stalled-job recovery runs its jobs
 * again on the other two, and every future settles once, successfully. Small --lock-duration and
 * --stalled-interval, so the recovery takes seconds; the whole test is bounded (60 s).
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Executor, type Future, FuturesSession, type Job, type Response } from '@threadfetch/core';
import { startServer, type TestServer } from '../../core/dist-test/helpers/server.js';
import { waitFor } from '../../core/dist-test/helpers/wait.js';
import { type ConformanceCallbacks, conformanceCallbacks, type QueueEnv, startQueueEnv, waitUntil } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';

const processes = 3;
/** Jobs each process takes at once. */
const concurrency = 4;
const requests = 150;
/** `--max-stalled-count`: a job lost once runs again; the server sees it at most 1 + this many times. */
const maxStalledCount = 1;

let env: QueueEnv;
let server: TestServer;
/** /park reports (which process runs which request), in order. */
const parks: { i: number; pid: number }[] = [];
/** While true, /park responses are held: the jobs stay active in their processes. */
let parking = true;
const parked: ServerResponse[] = [];

before(async () => {
  if (redisSkip) return;
  server = await startServer({
    '/work': (_req, res) => {
      setTimeout(() => res.writeHead(200).end('work'), 20);
    },
    '/park': (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      parks.push({ i: Number(url.searchParams.get('i')), pid: Number(url.searchParams.get('pid')) });
      if (parking) parked.push(res);
      else res.writeHead(200).end('go');
    },
  });
  env = await startQueueEnv({
    processes,
    threads: 1,
    concurrency,
    args: ['--lock-duration', '2000', '--stalled-interval', '500', '--max-stalled-count', String(maxStalledCount)],
  });
});

after(async () => {
  if (redisSkip) return;
  for (const res of parked.splice(0)) res.destroy();
  await env?.close();
  await server?.close();
});

/** The executor, with a count of `finish` calls per job: the contract says exactly once. */
function countingFinishes(inner: Executor): { executor: Executor; finishes: Map<Job, number> } {
  const finishes = new Map<Job, number>();
  const executor: Executor = {
    submit(job) {
      finishes.set(job, 0);
      const finish = job.finish.bind(job);
      job.finish = (result) => {
        finishes.set(job, (finishes.get(job) ?? 0) + 1);
        finish(result);
      };
      inner.submit(job);
    },
    cancel: (job, reason) => inner.cancel(job, reason),
    destroy: () => inner.destroy(),
    stats: () => inner.stats(),
  };
  return { executor, finishes };
}

describe('queue: a worker process killed mid-run', { skip: redisSkip }, () => {
  it('three processes, one killed with SIGKILL: every future settles once, all succeed, lost jobs run again elsewhere', { timeout: 60_000 }, async () => {
    const { executor, finishes } = countingFinishes(env.executor);
    const session = new FuturesSession<ConformanceCallbacks>({ executor, baseURL: server.url, callbacks: conformanceCallbacks, timeout: 50_000 });
    const settles = new Array<number>(requests).fill(0);
    const outcomes: (Response<unknown> | Error | undefined)[] = new Array(requests).fill(undefined);
    const futures: Future<unknown>[] = [];
    for (let i = 0; i < requests; i++) {
      const future = session.get(`/work?i=${i}`, { background: 'park' });
      future.then<void, void>(
        (res) => {
          settles[i] = (settles[i] ?? 0) + 1;
          outcomes[i] = res;
        },
        (error: unknown) => {
          settles[i] = (settles[i] ?? 0) + 1;
          outcomes[i] = error as Error;
        },
      );
      futures.push(future);
    }
    const context = () => `\nparks: ${JSON.stringify(parks)}\n${env.output()}`;

    // Every slot of every process busy: each holds `concurrency` jobs parked at the server.
    await waitFor(() => parks.length === processes * concurrency, `${processes * concurrency} jobs parked${context()}`, 20_000);
    const pids = env.workers.processes.map((p) => p.pid);
    assert.deepEqual(new Set(parks.map((p) => p.pid)), new Set(pids), `every process runs jobs${context()}`);
    const victim = env.workers.processes[0];
    assert.ok(victim);
    const lost = parks.filter((p) => p.pid === victim.pid).map((p) => p.i);
    assert.equal(lost.length, concurrency);

    assert.equal(await victim.stop('SIGKILL'), null, 'killed by the signal');
    parking = false;
    for (const res of parked.splice(0)) if (!res.destroyed) res.writeHead(200).end('go');

    await waitFor(() => settles.every((n) => n > 0), `every future to settle${context()}`, 45_000);
    // Then everything BullMQ may still run (a job re-run after a stall) has run: no job left anywhere.
    await waitUntil(
      async () => (await env.inspect.getActiveCount()) + (await env.inspect.getWaitingCount()) + (await env.inspect.getDelayedCount()) === 0,
      'the queue to empty',
    );

    const failures = outcomes.flatMap((o, i) => (o instanceof Error ? [`${i}: ${(o as Error & { code?: string }).code} ${o.message}`] : []));
    assert.deepEqual(failures, [], `every request succeeds${context()}`);
    assert.deepEqual(
      settles.flatMap((n, i) => (n === 1 ? [] : [`${i}: ${n}`])),
      [],
      'each future settled exactly once',
    );
    assert.equal(finishes.size, requests);
    assert.deepEqual(
      [...finishes.entries()].flatMap(([job, n]) => (n === 1 ? [] : [`${job.ref.url}: ${n}`])),
      [],
      'the executor finished each job exactly once',
    );
    for (const i of lost) {
      const data = (outcomes[i] as Response<{ pid: number; i: string }>).data;
      assert.notEqual(data.pid, victim.pid, `request ${i} was lost with the killed process and ran again on another`);
      assert.equal(data.i, String(i));
    }
    const seen = new Map<number, number>();
    for (const { url } of server.seen) {
      if (!url.startsWith('/work?i=')) continue;
      const i = Number(url.slice('/work?i='.length));
      seen.set(i, (seen.get(i) ?? 0) + 1);
    }
    for (let i = 0; i < requests; i++) {
      const n = seen.get(i) ?? 0;
      assert.ok(n >= 1 && n <= 1 + maxStalledCount, `request ${i} reached the server ${n} times`);
    }
    for (const i of lost) assert.equal(seen.get(i), 2, `lost request ${i} was sent again`);
    assert.ok(env.executor.stats().crashRetried >= lost.length, `stats().crashRetried: ${JSON.stringify(env.executor.stats())}`);
    assert.ok(
      env.workers.processes.slice(1).every((p) => !p.exited),
      'the other processes run on',
    );
    await session.close();
  });
});
