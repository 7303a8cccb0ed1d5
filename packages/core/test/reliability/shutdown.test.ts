/**
 * Shutdown: close({ timeout }) drains, then aborts what is left; close({ force }) aborts at once, in the
 * workers; and a program that closes its session exits by itself, whatever was running.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, type ThreadExecutor } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, childLimitMs, crashy, outcome, type ReliabilityServer, runChild, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

const open = () => server.held.filter((res) => !res.destroyed);

describe('close({ timeout })', () => {
  it('drains what finishes in time, queue included, then aborts the rest in flight and in the queue with TF_ERR_ABORTED', async () => {
    const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, maxWorkers: 1, concurrencyPerWorker: 3 });
    await s.get('/ok');
    const a = s.get('/hold?t=a');
    const b = s.get('/hold?t=b');
    const c = s.get('/ok?t=c', { background: 'slow', query: { ms: 600_000 } });
    const d = s.get('/hold?t=d');
    const e = s.get('/ok?t=e');
    assert.equal(s.stats().queued, 2, 'd and e wait for a slot');
    await waitFor(() => open().length === 2, 'a and b at the server');
    // The drain window only has to let one local round trip finish: generous, so that only a hang trips it.
    const closing = s.close({ timeout: 3_000 });
    server.held
      .find((res) => res.req.url === '/hold?t=a')
      ?.writeHead(200)
      .end('drained');
    await closing;

    assert.equal((await a).text(), 'drained');
    for (const [name, future] of Object.entries({ b, c, d, e })) {
      const r = await outcome(future);
      assert.ok(!r.ok && r.code === 'TF_ERR_ABORTED', `${name}: ${JSON.stringify(r)}`);
      assert.ok(r.message.includes(`GET ${server.url}/`) && r.message.includes(`t=${name}`), r.message);
      assert.equal(future.cancelled, false, 'closed, not cancelled by the caller');
    }
    assert.equal(server.seen.filter((r) => r.url === '/hold?t=d').length, 1, 'd was sent when a finished');
    assert.equal(server.seen.filter((r) => r.url === '/ok?t=e').length, 0, 'e never got a slot and was never sent');
    await waitFor(() => open().length === 0, 'the aborted requests’ connections to close');
    const stats = s.stats();
    assert.equal(stats.completed, 2, 'the warm-up and a');
    assert.equal(stats.cancelled, 4, 'b, c, d and e: aborts count as cancellations');
    assert.equal(stats.failed, 0);
    assert.equal(s.pending, 0);
    assert.equal((s.executor as ThreadExecutor).threads, 0, 'the pool is shut down');
  });
});

describe('close({ force: true })', () => {
  it('aborts in-flight requests in their workers, running callbacks and the queue at once', async () => {
    const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, maxWorkers: 2, concurrencyPerWorker: 1 });
    await waitFor(() => s.stats().workers.length === 2, 'both workers up');
    const held = s.get('/hold?f=held');
    const callback = s.get('/ok?f=callback', { background: 'slow', query: { ms: 600_000 } });
    const queued = Array.from({ length: 3 }, (_, i) => s.get(`/ok?f=queued-${i}`));
    await waitFor(() => open().length === 1 && server.seen.some((r) => r.url.startsWith('/ok?f=callback')), 'both at the server');
    assert.equal(s.stats().queued, 3);
    const settles: string[] = [];
    for (const f of [held, callback, ...queued])
      f.then(
        () => settles.push('ok'),
        (e: unknown) => settles.push((e as { code: string }).code),
      );
    await s.close({ force: true });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settles, Array(5).fill('TF_ERR_ABORTED'), 'each settled once, aborted');
    assert.equal(server.seen.filter((r) => r.url.startsWith('/ok?f=queued')).length, 0, 'the queue was never sent');
    await waitFor(() => open().length === 0, 'the held connection to close');
    assert.equal(s.stats().cancelled, 5);
    assert.equal((s.executor as ThreadExecutor).threads, 0);
  });

  it('right after a worker crash, while its replacement starts: every future still settles once', async () => {
    const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, maxWorkers: 1 });
    await s.get('/ok');
    const crash = s.get('/ok?f=crash', { background: 'exits' });
    const others = Array.from({ length: 4 }, (_, i) => s.get(`/hold?f=after-crash-${i}`));
    const crashed = await outcome(crash);
    assert.ok(!crashed.ok && crashed.code === 'TF_ERR_WORKER_CRASHED', JSON.stringify(crashed));
    await s.close({ force: true });
    for (const r of await Promise.all(others.map(outcome))) {
      assert.ok(!r.ok && ['TF_ERR_ABORTED', 'TF_ERR_WORKER_CRASHED'].includes(r.code), JSON.stringify(r));
    }
    assert.equal(s.pending, 0);
  });
});

describe('the process exits by itself after close()', () => {
  for (const [mode, expected] of [
    ['drain', { ok: 2, TF_ERR_CALLBACK_FAILED: 1, TF_ERR_CONNECTION_REFUSED: 1 }],
    ['timeout', { TF_ERR_ABORTED: 6 }],
    ['force', { TF_ERR_ABORTED: 6 }],
    ['crash', { TF_ERR_WORKER_CRASHED: 'some', ok: 'some' }],
  ] as const) {
    it(`${mode}: a program that makes requests and closes its session exits with code 0`, async () => {
      const child = await runChild('shutdown-child.js', [server.url, mode]);
      assert.equal(child.killed, false, `the child did not exit by itself within ${childLimitMs} ms and was killed; stderr: ${child.stderr}`);
      assert.equal(child.code, 0, child.stderr);
      const counts = JSON.parse(child.stdout) as Record<string, number>;
      if (mode === 'crash') {
        assert.equal((counts.ok ?? 0) + (counts.TF_ERR_WORKER_CRASHED ?? 0), 7, child.stdout);
        assert.ok((counts.TF_ERR_WORKER_CRASHED ?? 0) >= 1 && (counts.ok ?? 0) >= 1, child.stdout);
      } else assert.deepEqual(counts, expected);
    });
  }
});

describe('close() while the workers are still starting', () => {
  it('never aborts the process: 30 sessions closed during start-up, in every mode, and it exits with code 0', async () => {
    const child = await runChild('startup-close-child.js', ['30'], { limitMs: 120_000 });
    assert.equal(child.killed, false, `the child did not exit by itself and was killed; stderr: ${child.stderr}`);
    assert.equal(child.signal, null, `the child died of ${child.signal}: ${child.stderr.slice(0, 2000)}`);
    assert.equal(child.code, 0, child.stderr.slice(0, 2000));
    assert.equal(child.stdout.trim(), 'closed 30');
  });
});
