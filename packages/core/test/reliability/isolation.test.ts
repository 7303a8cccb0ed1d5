/**
 * Callback work does not hold up requests without a callback: those go to the io worker (`ioWorkers`),
 * or to a callback worker that is not inside a callback, and `res.timings.blocked` names a wait on a
 * busy worker. The callbacks here block their worker until the test lets them go, so a request
 * placed on that worker could not finish before then: each check is an order of events, not a time.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, crashy, type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
let dir: string;
let flags = 0;

before(async () => {
  server = await startReliabilityServer();
  dir = await mkdtemp(join(tmpdir(), 'tf-isolation-'));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function session(options: Record<string, unknown>): Promise<FuturesSession<Crashy>> {
  const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, timeout: 30_000, ...options });
  const threads = ((options.maxWorkers as number) ?? 1) + ((options.ioWorkers as number | undefined) ?? 1);
  await waitFor(() => s.stats().workers.length === threads, 'every worker up');
  return s;
}

/** A callback that blocks its worker until {@link release} is called (at most 20 s). */
function blocker(s: FuturesSession<Crashy>) {
  const flag = join(dir, `flag-${++flags}`);
  const future = s.get(`/ok?until=${encodeURIComponent(flag)}`, { background: 'spins' });
  return { future, release: () => writeFileSync(flag, 'go') };
}

const busyWorker = (s: FuturesSession<Crashy>) => s.stats().workers.find((w) => w.callbackMs > 0);

describe('requests without a callback are kept away from callback work', () => {
  it('with an io worker: they finish while the only callback worker is blocked', async () => {
    const s = await session({ maxWorkers: 1, ioWorkers: 1 });
    const { future, release } = blocker(s);
    try {
      await waitFor(() => busyWorker(s) !== undefined, 'the callback to be running');
      const busy = busyWorker(s);
      assert.equal(busy?.role, 'callback');
      // On the blocked worker these could not finish before release(): they finish first.
      const plain = await Promise.all(Array.from({ length: 5 }, (_, i) => s.get(`/ok?plain=${i}`)));
      assert.ok(plain.every((res) => res.status === 200));
      assert.ok((busyWorker(s)?.callbackMs ?? 0) > 0, 'the callback is still running');
      const io = s.stats().workers.find((w) => w.role === 'io');
      assert.ok(io && io.unresponsiveMs === 0);
    } finally {
      release();
      await future;
      await s.close();
    }
  });

  it('without one (ioWorkers: 0): a new request goes to the worker not inside a callback', async () => {
    const s = await session({ maxWorkers: 2, ioWorkers: 0 });
    const { future, release } = blocker(s);
    try {
      await waitFor(() => busyWorker(s) !== undefined, 'the callback to be running');
      const plain = await Promise.all(Array.from({ length: 5 }, (_, i) => s.get(`/ok?plain=${i}`)));
      assert.ok(plain.every((res) => res.status === 200));
      assert.ok((busyWorker(s)?.callbackMs ?? 0) > 0, 'the callback is still running');
    } finally {
      release();
      await future;
      await s.close();
    }
  });

  it('a response left unread while its worker ran another callback says so: timings.blocked', async () => {
    // One worker, no io worker: the request shares it with the callback.
    const s = await session({ maxWorkers: 1, ioWorkers: 0 });
    const held = s.get('/hold?behind');
    await waitFor(() => server.held.length === 1, 'the request to reach the server');
    const { future, release } = blocker(s);
    try {
      await waitFor(() => busyWorker(s) !== undefined, 'the callback to be running');
      // Its response comes while the worker is blocked: it is read only once the callback returns.
      server.releaseAll();
      release();
      const res = await held;
      assert.ok(res.timings.blocked > 0, `timings: ${JSON.stringify(res.timings)}`);
      assert.ok(res.timings.blocked <= res.timings.headers + res.timings.body + 1, JSON.stringify(res.timings));
      await future;
      const alone = await s.get('/ok');
      assert.equal(alone.timings.blocked, 0, 'nothing blocked it');
    } finally {
      release();
      server.releaseAll();
      await future;
      await s.close();
    }
  });
});
