/** Worker crashes fail only the requests on that worker, with the exit cause; the pool replaces it; crashRetries. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { crashy, outcome, type ReliabilityServer, startReliabilityServer } from './helpers.js';

type Crashy = typeof import('./fixtures/crashy.js');
let server: ReliabilityServer;

before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

async function session(options: Record<string, unknown> = {}): Promise<FuturesSession<Crashy>> {
  const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, timeout: 20_000, maxWorkers: 1, ...options });
  await Promise.all(Array.from({ length: 4 }, () => s.get('/ok', { background: 'threadId' })));
  const workers = (options.maxWorkers as number | undefined) ?? 1;
  await waitFor(() => s.stats().workers.length === workers, 'every worker to be up');
  return s;
}

describe('worker crashes', () => {
  it('process.exit fails exactly the requests on that worker, naming each and the exit code; the others go on', async () => {
    const s = await session({ maxWorkers: 2 });
    try {
      // Six slow requests in one tick spread over both workers; the crash lands on one of them.
      const slow = Array.from({ length: 6 }, (_, i) => s.get(`/slow?ms=400&i=${i}`, { background: 'threadId' }));
      await waitFor(() => s.stats().workers.every((w) => w.inflight === 3), 'three requests on each worker');
      const crash = s.get('/ok?crash=1', { background: 'exits' });
      const results = await Promise.all([...slow, crash].map(outcome));
      const failed = results.filter((r) => !r.ok);
      const succeeded = results.filter((r) => r.ok);
      assert.equal(failed.length, 4, 'the crashing request and the three beside it');
      assert.equal(succeeded.length, 3, 'the other worker’s three');
      assert.equal(new Set(succeeded.map((r) => (r.ok ? r.data : 0))).size, 1);
      for (const [i, r] of results.entries()) {
        if (r.ok) continue;
        assert.equal(r.code, 'TF_ERR_WORKER_CRASHED');
        assert.match(r.message, /exited with code 7/);
        assert.ok(r.message.includes(i === 6 ? '/ok?crash=1' : `/slow?ms=400&i=${i}`), r.message);
      }
      await waitFor(() => s.stats().workers.length === 2, 'the pool to replace the worker');
      assert.equal(s.stats().workerCrashes, 1);
      assert.equal((await s.get('/ok')).status, 200);
    } finally {
      await s.close({ force: true });
    }
  });

  it('an exception thrown outside the callback’s promise crashes only that worker, and the error says so', async () => {
    const s = await session({ maxWorkers: 1 });
    try {
      const r = await outcome(s.get('/ok', { background: 'throwsLater' }));
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.code === 'TF_ERR_WORKER_CRASHED' && /late boom/.test(r.message), JSON.stringify(r));
      assert.equal((await s.get('/ok', { timeout: 10_000 })).status, 200);
    } finally {
      await s.close({ force: true });
    }
  });

  it('running out of memory under resourceLimits fails the request with TF_ERR_WORKER_CRASHED', async () => {
    const s = await session({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    try {
      const r = await outcome(s.get('/ok', { background: 'eatsMemory' }));
      assert.ok(!r.ok && r.code === 'TF_ERR_WORKER_CRASHED' && /memory/i.test(r.message), JSON.stringify(r));
      assert.equal((await s.get('/ok', { timeout: 10_000 })).status, 200);
    } finally {
      await s.close({ force: true });
    }
  });

  it('queued requests go on after a crash', async () => {
    const s = await session({ maxWorkers: 1, concurrencyPerWorker: 1 });
    try {
      const crash = s.get('/ok', { background: 'exits' });
      const queued = Array.from({ length: 3 }, () => s.get('/ok'));
      assert.equal(s.stats().queued, 3);
      assert.equal((await outcome(crash)).ok, false);
      for (const res of await Promise.all(queued)) assert.equal(res.status, 200);
    } finally {
      await s.close({ force: true });
    }
  });
});

describe('crashRetries', () => {
  it('sends an idempotent request lost with its worker again; a POST lost the same way fails', async () => {
    const s = await session({ maxWorkers: 1, crashRetries: 1 });
    try {
      const get = s.get('/slow?ms=300&n=get');
      const post = s.post('/slow?ms=300&n=post', { body: 'x' });
      await waitFor(() => server.seen.some((r) => r.url === '/slow?ms=300&n=post'), 'both on the worker');
      // The crasher is a POST, so it is not sent again itself.
      const crash = s.post('/ok?n=crasher', { background: 'exits' });
      const [g, p, c] = await Promise.all([outcome(get), outcome(post), outcome(crash)]);
      assert.equal(g.ok, true, JSON.stringify(g));
      assert.ok(!p.ok && p.code === 'TF_ERR_WORKER_CRASHED', JSON.stringify(p));
      assert.ok(!c.ok && c.code === 'TF_ERR_WORKER_CRASHED', JSON.stringify(c));
      assert.equal(server.seen.filter((r) => r.url === '/slow?ms=300&n=get').length, 2, 'the GET was sent twice');
      assert.equal(server.seen.filter((r) => r.url === '/slow?ms=300&n=post').length, 1, 'the POST once');
      assert.equal(s.stats().crashRetried, 1);
    } finally {
      await s.close({ force: true });
    }
  });

  it('a GET that crashes its worker every time fails after crashRetries more attempts', async () => {
    const s = await session({ maxWorkers: 1, crashRetries: 2 });
    try {
      const r = await outcome(s.get('/ok?n=always', { background: 'exits' }));
      assert.ok(!r.ok && r.code === 'TF_ERR_WORKER_CRASHED', JSON.stringify(r));
      assert.equal(s.stats().workerCrashes, 3);
      assert.equal(s.stats().crashRetried, 2);
      assert.equal(server.seen.filter((x) => x.url === '/ok?n=always').length, 3);
    } finally {
      await s.close({ force: true });
    }
  });

  it('a cancelled request is never sent again', async () => {
    const s = await session({ maxWorkers: 1, crashRetries: 2 });
    try {
      const held = server.held.length;
      const cancelled = s.get('/hold?n=cancelled');
      await waitFor(() => server.held.length > held, 'the request to reach the server');
      assert.equal(cancelled.cancel(), true);
      await s.get('/ok', { background: 'exits' }).then(
        () => undefined,
        () => undefined,
      );
      await assert.rejects(cancelled, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
      await waitFor(() => s.stats().workers.length === 1, 'a replacement');
      assert.equal((await s.get('/ok')).status, 200);
      assert.equal(server.seen.filter((r) => r.url === '/hold?n=cancelled').length, 1);
    } finally {
      await s.close({ force: true });
    }
  });

  for (const bad of [-1, 1.5, 11, 'x']) {
    it(`crashRetries: ${JSON.stringify(bad)} is TF_ERR_INVALID_ARGUMENT naming the option`, () => {
      assert.throws(
        () => new FuturesSession({ crashRetries: bad as never }),
        (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT' && e.message.includes('crashRetries'),
      );
    });
  }
});
