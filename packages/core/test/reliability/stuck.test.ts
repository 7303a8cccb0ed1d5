/**
 * No callback can keep a worker: one whose promise never settles lets its slot go at its deadline or
 * cancel; one that blocks its worker's event loop gets the worker terminated `terminateGrace` later,
 * and the other requests on it are sent again where safe or fail with TF_ERR_WORKER_STUCK, at once.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { channels, FuturesSession, WorkerCrashedError, WorkerStuckError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, crashy, outcome, type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
let dir: string;

before(async () => {
  server = await startReliabilityServer();
  dir = await mkdtemp(join(tmpdir(), 'tf-stuck-'));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A one-worker session whose worker is up. */
async function session(options: Record<string, unknown> = {}): Promise<FuturesSession<Crashy>> {
  const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, timeout: 30_000, maxWorkers: 1, terminateGrace: 300, ...options });
  await s.get('/ok', { background: 'threadId' });
  return s;
}

const heldCount = () => server.held.filter((res) => !res.destroyed).length;
const threadOf = (s: FuturesSession<Crashy>) => s.stats().workers[0]?.threadId;

describe('a callback whose promise never settles', () => {
  for (const end of ['deadline', 'cancel'] as const) {
    it(`lets its slot go at its ${end}, without terminating the worker; the late settlement is ignored`, async () => {
      const s = await session({ concurrencyPerWorker: 1 });
      try {
        const thread = threadOf(s);
        const stuck = s.get('/ok', { background: 'neverSettles', ...(end === 'deadline' ? { timeout: 200 } : {}) });
        if (end === 'cancel') {
          await waitFor(() => s.stats().workers[0]?.inflight === 1, 'the request to reach the worker');
          assert.equal(stuck.cancel(), true);
        }
        const result = await outcome(stuck);
        assert.equal(result.ok ? 'ok' : result.code, end === 'deadline' ? 'TF_ERR_TIMEOUT' : 'TF_ERR_ABORTED');
        // The only slot is free again: the next request runs on the same worker.
        assert.equal((await s.get('/ok', { background: 'threadId' })).data, thread);
        const stats = s.stats();
        assert.equal(stats.inflight, 0);
        assert.equal(stats.workersTerminated, 0);
        assert.deepEqual([stats.timedOut, stats.cancelled], end === 'deadline' ? [1, 0] : [0, 1], 'a deadline is not a cancel');
      } finally {
        await s.close();
      }
    });
  }
});

describe('a callback that blocks its worker', () => {
  for (const end of ['deadline', 'cancel'] as const) {
    it(`at its ${end}: the worker is terminated and replaced, bystanders are resent where safe or fail naming it`, async () => {
      const s = await session({ concurrencyPerWorker: 8 });
      const events: unknown[] = [];
      const listen = (message: unknown) => events.push(message);
      diagnosticsChannel.subscribe(channels.workerTerminate, listen);
      try {
        const thread = threadOf(s);
        // Bystanders on the same worker, held by the server: a GET (safe to repeat) and a POST (not).
        const get = s.get('/hold?who=get', { background: 'threadId' });
        const post = s.post('/hold?who=post', { body: 'x', background: 'threadId' });
        await waitFor(() => heldCount() === 2, 'both bystanders held by the server');
        const spinner = s.get('/ok?spin', { background: 'spins', ...(end === 'deadline' ? { timeout: 300 } : {}) });
        await waitFor(() => (s.stats().workers[0]?.callbackMs ?? 0) > 0, 'the callback to be running');
        if (end === 'cancel') assert.equal(spinner.cancel(), true);

        const spun = await outcome(spinner);
        assert.equal(spun.ok ? 'ok' : spun.code, end === 'deadline' ? 'TF_ERR_TIMEOUT' : 'TF_ERR_ABORTED');
        // The POST fails as soon as the worker is gone: long before its own 30 s deadline.
        const posted = await outcome(post);
        assert.ok(!posted.ok, 'the POST cannot be sent again');
        assert.equal(posted.code, 'TF_ERR_WORKER_STUCK');
        assert.ok(posted.message.includes(`GET ${server.url}/ok?spin`), `names the stuck request: ${posted.message}`);
        assert.ok(posted.message.includes('spins'), `names its callback: ${posted.message}`);
        const error = await post.then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof WorkerStuckError && error instanceof WorkerCrashedError);

        // The GET went again, to the new worker: the server holds it a second time.
        await waitFor(() => heldCount() === 1 && server.held.length === 3, 'the GET to be sent again');
        server.releaseAll();
        const got = await outcome(get);
        assert.ok(got.ok, `the GET succeeds on the new worker: ${JSON.stringify(got)}`);
        assert.notEqual(got.data, thread);

        const stats = s.stats();
        assert.deepEqual(
          { terminated: stats.workersTerminated, crashes: stats.workerCrashes, retried: stats.crashRetried },
          { terminated: 1, crashes: 0, retried: 1 },
        );
        assert.equal(events.length, 1);
        assert.match(JSON.stringify(events[0]), /"request":\{"method":"GET","url":"[^"]+\/ok\?spin"\}/);
        assert.equal((events[0] as { reason: string }).reason, end === 'deadline' ? 'timeout' : 'cancel');
        // The pool serves again.
        const after = await Promise.all(Array.from({ length: 8 }, () => outcome(s.get('/ok', { background: 'threadId' }))));
        assert.ok(after.every((r) => r.ok && r.data !== thread));
      } finally {
        diagnosticsChannel.unsubscribe(channels.workerTerminate, listen);
        server.releaseAll();
        await s.close();
      }
    });
  }

  it('without a deadline is left alone, and shows in stats(): unresponsive, in a callback, its request old', async () => {
    const s = await session();
    const flag = join(dir, 'release-spinner');
    try {
      const thread = threadOf(s);
      const spinner = s.get(`/ok?until=${encodeURIComponent(flag)}`, { background: 'spins' });
      await waitFor(() => {
        const w = s.stats().workers[0];
        return w !== undefined && w.unresponsiveMs > 0 && w.callbackMs > 0 && w.oldestMs > 0;
      }, 'stats to show the blocked worker');
      writeFileSync(flag, 'go');
      assert.equal((await spinner).data, thread, 'it finished on its worker, never terminated');
      await waitFor(() => s.stats().workers[0]?.unresponsiveMs === 0, 'the worker to be responsive again');
      assert.equal(s.stats().workersTerminated, 0);
    } finally {
      writeFileSync(flag, 'go');
      await s.close();
    }
  });
});

describe('terminateGrace', () => {
  it('is validated', () => {
    for (const bad of [-1, Number.NaN, '1000', Number.POSITIVE_INFINITY]) {
      assert.throws(() => new FuturesSession({ terminateGrace: bad as number }), { code: 'TF_ERR_INVALID_ARGUMENT', message: /terminateGrace/ });
    }
  });
});
