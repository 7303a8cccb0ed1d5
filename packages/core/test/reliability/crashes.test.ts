/**
 * Worker crashes (process.exit, an exception thrown outside the callback's promise, running out of
 * memory) fail only the requests on that worker, each naming itself and the exit cause; the other
 * worker and the queue go on; the pool replaces the worker. Then `crashRetries`.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, crashy, outcome, type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;

before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

/** A session whose workers are all up (their lanes open), so that requests spread by load from the start. */
async function session(options: Record<string, unknown> = {}): Promise<FuturesSession<Crashy>> {
  const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, timeout: 30_000, maxWorkers: 1, ...options });
  const workers = (options.maxWorkers as number | undefined) ?? 1;
  await waitFor(() => s.stats().workers.length === workers, 'every worker to be up');
  await Promise.all(Array.from({ length: 2 * workers }, () => s.get('/ok', { background: 'threadId' })));
  return s;
}

const heldCount = () => server.held.filter((res) => !res.destroyed).length;

describe('worker crashes', () => {
  for (const { callback, cause, options } of [
    { callback: 'exits', cause: /exited with code:? 7/, options: {} },
    { callback: 'throwsLater', cause: /late boom/, options: {} },
    { callback: 'eatsMemory', cause: /out of memory|memory limit/i, options: { resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } } },
  ] as const) {
    it(`${callback}: only that worker's requests fail, each naming itself and the cause; the other worker and the queue go on; the worker is replaced`, async () => {
      const s = await session({ maxWorkers: 2, concurrencyPerWorker: 4, ...options });
      try {
        // Seven held requests fill one worker (4) and most of the other (3); the crash takes the last slot.
        const holds = Array.from({ length: 7 }, (_, i) => s.get(`/hold?k=${callback}&i=${i}`, { background: 'threadId' }));
        await waitFor(() => heldCount() === 7, 'seven requests held by the server');
        const before = s.stats().workers;
        assert.deepEqual(before.map((w) => w.inflight).sort(), [3, 4]);
        const survivor = before.find((w) => w.inflight === 4)?.threadId;
        const doomed = before.find((w) => w.inflight === 3)?.threadId;
        const crash = s.get(`/ok?crash=${callback}`, { background: callback });
        const queued = Array.from({ length: 3 }, (_, i) => s.get(`/ok?queued=${i}`, { background: 'threadId' }));
        assert.equal(s.stats().queued, 3, 'every slot taken: these wait in the queue');

        const crashed = await outcome(crash);
        assert.ok(!crashed.ok, 'the crashing request fails');
        assert.equal(crashed.code, 'TF_ERR_WORKER_CRASHED');
        assert.match(crashed.message, cause);
        assert.ok(crashed.message.includes(`GET ${server.url}/ok?crash=${callback}`), crashed.message);
        await waitFor(() => s.stats().workerCrashes === 1, 'the crash to be counted');
        server.releaseAll();

        const held = await Promise.all(holds.map(outcome));
        const failed = held.flatMap((r, i) => (r.ok ? [] : [{ ...r, i }]));
        const succeeded = held.flatMap((r) => (r.ok ? [r.data] : []));
        assert.equal(failed.length, 3, `the three beside the crash fail: ${JSON.stringify(held)}`);
        assert.deepEqual(succeeded, [survivor, survivor, survivor, survivor], 'the other worker’s four succeed, on that worker');
        for (const f of failed) {
          assert.equal(f.code, 'TF_ERR_WORKER_CRASHED');
          assert.match(f.message, cause);
          assert.ok(f.message.includes(`GET ${server.url}/hold?k=${callback}&i=${f.i}`), f.message);
        }
        for (const r of await Promise.all(queued.map(outcome))) assert.ok(r.ok, `a queued request failed: ${JSON.stringify(r)}`);

        await waitFor(() => s.stats().workers.length === 2, 'the pool to replace the worker');
        const threads = s.stats().workers.map((w) => w.threadId);
        assert.ok(threads.includes(survivor as number) && !threads.includes(doomed as number), `workers now: ${threads}`);
        assert.equal(s.stats().workerCrashes, 1);
        const after = await Promise.all(Array.from({ length: 4 }, () => s.get('/ok', { background: 'threadId' })));
        assert.ok(
          after.every((res) => res.status === 200),
          'the pool serves after the crash',
        );
      } finally {
        server.releaseAll();
        await s.close({ force: true });
      }
    });
  }

  it('a crash on the only worker: the queue waits for the replacement and then runs', async () => {
    const s = await session({ maxWorkers: 1, concurrencyPerWorker: 1 });
    try {
      const first = s.stats().workers[0]?.threadId;
      const crash = s.get('/ok', { background: 'exits' });
      const queued = Array.from({ length: 3 }, () => s.get('/ok', { background: 'threadId' }));
      assert.equal(s.stats().queued, 3);
      assert.equal((await outcome(crash)).ok, false);
      const ran = (await Promise.all(queued)).map((res) => res.data);
      assert.equal(new Set(ran).size, 1);
      assert.notEqual(ran[0], first, 'on the new worker');
      assert.equal(s.stats().workerCrashes, 1);
    } finally {
      await s.close({ force: true });
    }
  });

  it('a callback that throws inside its promise fails only its request, and the worker lives', async () => {
    const s = await session({ maxWorkers: 1 });
    try {
      const thread = s.stats().workers[0]?.threadId;
      const r = await outcome(s.get('/ok', { background: 'fails' }));
      assert.ok(!r.ok && r.code === 'TF_ERR_CALLBACK_FAILED', JSON.stringify(r));
      assert.equal((await s.get('/ok', { background: 'threadId' })).data, thread);
      assert.equal(s.stats().workerCrashes, 0);
    } finally {
      await s.close({ force: true });
    }
  });
});

describe('crashRetries', () => {
  it('sends an idempotent request lost with its worker again; a POST lost the same way fails', async () => {
    const s = await session({ maxWorkers: 1, crashRetries: 1 });
    try {
      const get = s.get('/hold?n=get');
      const post = s.post('/hold?n=post', { body: 'x' });
      await waitFor(() => heldCount() === 2, 'both on the worker');
      // The crasher is a POST, so it is not sent again itself.
      const crash = s.post('/ok?n=crasher', { background: 'exits' });
      const c = await outcome(crash);
      assert.ok(!c.ok && c.code === 'TF_ERR_WORKER_CRASHED', JSON.stringify(c));
      const p = await outcome(post);
      assert.ok(!p.ok && p.code === 'TF_ERR_WORKER_CRASHED' && p.message.includes(`POST ${server.url}/hold?n=post`), JSON.stringify(p));
      // The resent GET, seen a second time (the first one's socket may not have closed yet).
      await waitFor(() => server.seen.filter((r) => r.url === '/hold?n=get').length === 2 && heldCount() === 1, 'the GET to be sent again');
      server.releaseAll();
      assert.equal((await get).status, 200);
      assert.equal(server.seen.filter((r) => r.url === '/hold?n=get').length, 2, 'the GET was sent twice');
      assert.equal(server.seen.filter((r) => r.url === '/hold?n=post').length, 1, 'the POST once');
      assert.equal(s.stats().crashRetried, 1);
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });

  it('a GET that crashes its worker every time fails after 1 + crashRetries attempts', async () => {
    const s = await session({ maxWorkers: 1, crashRetries: 2 });
    try {
      const r = await outcome(s.get('/ok?n=always', { background: 'exits' }));
      assert.ok(!r.ok && r.code === 'TF_ERR_WORKER_CRASHED' && /exited with code:? 7/.test(r.message), JSON.stringify(r));
      assert.equal(s.stats().workerCrashes, 3);
      assert.equal(s.stats().crashRetried, 2);
      assert.equal(server.seen.filter((x) => x.url === '/ok?n=always').length, 3);
      await waitFor(() => s.stats().workers.length === 1, 'a replacement');
      assert.equal((await s.get('/ok')).status, 200);
    } finally {
      await s.close({ force: true });
    }
  });

  it('a cancelled request is never sent again', async () => {
    const s = await session({ maxWorkers: 1, crashRetries: 2 });
    try {
      const cancelled = s.get('/hold?n=cancelled');
      await waitFor(() => heldCount() === 1, 'the request to reach the server');
      assert.equal(cancelled.cancel(), true);
      await outcome(s.get('/ok', { background: 'exits' }));
      await assert.rejects(cancelled, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
      assert.equal(cancelled.cancelled, true);
      await waitFor(() => s.stats().workers.length === 1, 'a replacement');
      assert.equal((await s.get('/ok')).status, 200);
      assert.equal(server.seen.filter((r) => r.url === '/hold?n=cancelled').length, 1);
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });

  it('a saveTo download lost with its worker is sent again: its temporary file was removed first, and only the whole file is left', async () => {
    // Each /half response sends half its body, then waits to be ended.
    const half = Buffer.alloc(65_536, 'a');
    const halves: ServerResponse[] = [];
    const files = await startServer({
      '/half': (_req, res) => {
        res.writeHead(200, { 'content-length': String(2 * half.length) });
        res.write(half);
        halves.push(res);
      },
    });
    const dir = await mkdtemp(join(tmpdir(), 'threadfetch-crash-save-'));
    const s = await session({ maxWorkers: 1, crashRetries: 1 });
    try {
      const file = join(dir, 'whole.bin');
      const download = s.get(`${files.url}/half`, { saveTo: file });
      await waitFor(() => halves.length === 1 && readdirSync(dir).length === 1, 'the download under way, its temporary file there');
      const c = await outcome(s.post('/ok?n=save-crasher', { background: 'exits' }));
      assert.ok(!c.ok && c.code === 'TF_ERR_WORKER_CRASHED', JSON.stringify(c));
      // The resent request creates the same temporary file exclusively: it fails if the first one is left.
      await waitFor(() => halves.length === 2, 'the download sent again');
      for (const res of halves) if (!res.destroyed) res.end(half);
      assert.equal((await download).body.byteLength, 0);
      assert.deepEqual(readdirSync(dir), ['whole.bin']);
      assert.equal((await readFile(file)).byteLength, 2 * half.length);
    } finally {
      for (const res of halves) res.destroy();
      await s.close({ force: true });
      await files.close();
      await rm(dir, { recursive: true, force: true });
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
