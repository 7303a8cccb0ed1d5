/**
 * Backpressure: past maxQueue a coded rejection at once; 100,000 requests submitted at once all settle
 * exactly once in bounded memory; concurrencyPerWorker is a per-worker limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, crashy, outcome, type ReliabilityServer, runChild, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

interface LoadReport {
  never: number;
  twice: number;
  settled: Record<string, number>;
  refusedAtOnce: number;
  queuedAtOnce: number;
  completed: number;
  ms: number;
  loadedMb: number;
  afterMb: number;
}

/** Runs fixtures/load-child.js under --expose-gc against /ok and returns its report. */
async function load(total: number, maxQueue: number | 'Infinity', workers: number): Promise<LoadReport> {
  const child = await runChild('load-child.js', [`${server.url}/ok`, String(total), String(maxQueue), String(workers)], {
    nodeArgs: ['--expose-gc'],
    limitMs: 50_000,
  });
  assert.equal(child.killed, false, 'the load child did not finish within 50 s');
  assert.equal(child.code, 0, child.stderr);
  return JSON.parse(child.stdout) as LoadReport;
}

/**
 * The heap bound after the burst. Measured growth after gc is 0.5 to 1.5 MB; a leak of a single small
 * object per request (100,000 of them) would pass 32 MB, so this bound is generous and still meaningful.
 */
const afterBoundMb = 32;

describe('backpressure', () => {
  it('past maxQueue a request rejects at once with TF_ERR_QUEUE_FULL; the others run', async () => {
    const s = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1, maxQueue: 2 });
    try {
      const running = s.get('/hold?n=q');
      const queued = [s.get('/ok?n=1'), s.get('/ok?n=2')];
      const refused = s.get('/ok?n=3');
      assert.equal(refused.done, true, 'refused synchronously');
      await assert.rejects(
        refused,
        (e: ThreadfetchError) => e.code === 'TF_ERR_QUEUE_FULL' && e.message.includes('maxQueue (2)') && e.message.includes(`GET ${server.url}/ok?n=3`),
      );
      assert.equal(s.stats().queued, 2);
      assert.equal(s.stats().failed, 1, 'a refused request is counted failed');
      await waitFor(() => server.held.length === 1, 'the first request to reach the server');
      server.releaseAll();
      assert.equal((await running).status, 200);
      for (const res of await Promise.all(queued)) assert.equal(res.status, 200);
      assert.equal(server.seen.filter((r) => r.url === '/ok?n=3').length, 0, 'the refused one was never sent');
      assert.equal((await s.get('/ok?n=4')).status, 200, 'room again once the queue drained');
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });

  it('maxQueue: 0 allows what fits in flight and refuses the rest', async () => {
    const s = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 2, maxQueue: 0 });
    try {
      const futures = Array.from({ length: 5 }, (_, i) => s.get(`/ok?z=${i}`));
      assert.deepEqual(
        futures.map((f) => f.done),
        [false, false, true, true, true],
      );
      const outcomes = await Promise.all(futures.map(outcome));
      assert.deepEqual(
        outcomes.map((r) => (r.ok ? 'ok' : r.code)),
        ['ok', 'ok', 'TF_ERR_QUEUE_FULL', 'TF_ERR_QUEUE_FULL', 'TF_ERR_QUEUE_FULL'],
      );
      assert.deepEqual({ completed: s.stats().completed, failed: s.stats().failed }, { completed: 2, failed: 3 });
    } finally {
      await s.close({ force: true });
    }
  });

  it('100,000 requests submitted at once with maxQueue 1,000: the excess is refused at once, each settles exactly once, memory bounded', async () => {
    const report = await load(100_000, 1_000, 1);
    assert.equal(report.never, 0, 'every future settled');
    assert.equal(report.twice, 0, 'no future settled twice');
    assert.equal(report.refusedAtOnce, 100_000 - 64 - 1_000, 'refused before get() returned');
    assert.equal(report.queuedAtOnce, 1_000);
    assert.equal(report.settled.TF_ERR_QUEUE_FULL, 100_000 - 64 - 1_000);
    assert.equal(report.settled.ok, 64 + 1_000, 'the ones in flight and in the queue succeeded');
    assert.equal(report.completed, 8 + 64 + 1_000, 'stats agree (with the 8 warm-up requests)');
    // While 1,064 requests are held, the heap holds them and little else (measured: 2 to 4 MB).
    assert.ok(report.loadedMb < 64, `heap while loaded grew ${report.loadedMb.toFixed(1)} MB`);
    assert.ok(report.afterMb < afterBoundMb, `heap grew ${report.afterMb.toFixed(1)} MB`);
  });

  // All 100,000 through two workers take 8 to 12 s on this 2-core machine (the server shares the cores),
  // well inside the suite's 60 s per test; so the full count, not a reduced one.
  it('100,000 requests submitted at once with no maxQueue all succeed, each settles once, and the heap returns to its size', async () => {
    const report = await load(100_000, 'Infinity', 2);
    assert.equal(report.never, 0, 'every future settled');
    assert.equal(report.twice, 0, 'no future settled twice');
    assert.equal(report.refusedAtOnce, 0);
    assert.deepEqual(report.settled, { ok: 100_000 });
    assert.equal(report.completed, 8 + 100_000);
    assert.ok(report.afterMb < afterBoundMb, `heap grew ${report.afterMb.toFixed(1)} MB and stayed`);
  });
});

describe('concurrencyPerWorker is a limit per worker', () => {
  it('requests made before the workers are up do not all land on the first worker to start', async () => {
    const s = new FuturesSession({ baseURL: server.url, maxWorkers: 2, ioWorkers: 0, concurrencyPerWorker: 2 });
    try {
      const futures = Array.from({ length: 6 }, (_, i) => s.get(`/hold?start=${i}`));
      await waitFor(() => server.held.length === 4, 'four requests at the server');
      await waitFor(() => s.stats().workers.length === 2, 'both workers up');
      const load = s.stats().workers.map((w) => w.inflight);
      server.releaseAll();
      await waitFor(() => server.held.length === 2, 'the last two at the server');
      server.releaseAll();
      await Promise.all(futures);
      assert.ok(
        load.every((n) => n <= 2),
        `in flight per worker: ${load}`,
      );
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });

  it('after a worker crash, the queue waits for a free slot instead of piling onto the survivor', async () => {
    const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, maxWorkers: 2, ioWorkers: 0, concurrencyPerWorker: 2 });
    try {
      await waitFor(() => s.stats().workers.length === 2, 'both workers up');
      const held = Array.from({ length: 3 }, (_, i) => s.get(`/hold?survivor=${i}`));
      await waitFor(() => server.held.length === 3, 'three requests at the server');
      const crash = s.get('/ok?survivor=crash', { background: 'exits' });
      const queued = Array.from({ length: 2 }, (_, i) => s.get(`/hold?queued=${i}`));
      assert.equal(s.stats().queued, 2);
      await outcome(crash);
      // Two held requests of the survivor and the two from the queue, wherever they went.
      await waitFor(() => server.held.filter((res) => !res.destroyed).length === 4, 'the queued requests at the server');
      const most = Math.max(...s.stats().workers.map((w) => w.inflight));
      server.releaseAll();
      assert.ok(most <= 2, `a worker had ${most} requests in flight`);
      await Promise.allSettled([...held, ...queued]);
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });
});
