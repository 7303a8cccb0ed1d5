/**
 * Cancellation and timeouts: a queued request cancelled is never sent; an in-flight one is aborted
 * inside its worker, which goes on serving; `timeout` (the whole request, callback included), an
 * AbortSignal as with fetch, and `result(ms)`, which gives up waiting without cancelling anything.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { deadline } from './support/deadline.js';
import { startServer } from './support/local-server.js';

deadline('cancellation', 60);

await using server = await startServer();
// One worker, one request at a time: everything else waits in the main-thread queue.
await using session = new FuturesSession<typeof import('./callbacks/catalogue.js')>({
  baseURL: server.url,
  maxWorkers: 1,
  concurrencyPerWorker: 1,
  callbacks: new URL('./callbacks/catalogue.js', import.meta.url),
});

interface ServerStats {
  aborted: number;
  delayed: string[];
}
/** The server's own account, asked with fetch on the main thread so it never waits in the session's queue. */
const serverStats = async (): Promise<ServerStats> => (await fetch(`${server.url}/stats`)).json() as Promise<ServerStats>;
/** Polls the server until `check` holds (bounded: 5 s). */
async function serverSees(check: (stats: ServerStats) => boolean, what: string): Promise<ServerStats> {
  for (let i = 0; i < 250; i++) {
    const stats = await serverStats();
    if (check(stats)) return stats;
    await sleep(20);
  }
  throw new Error(`the server never saw ${what}`);
}
const code = (future: { error: Error | undefined }) => (future.error as ThreadfetchError | undefined)?.code;
const settled = (future: PromiseLike<unknown>) =>
  Promise.resolve(future).then(
    () => undefined,
    () => undefined,
  );

// Wait for the worker to be up.
await session.get('/status/204');

// 1. One request in flight, one queued behind it. Cancel both.
const inflight = session.get('/delay/5000', { query: { tag: 'inflight' } });
const queued = session.get('/delay/10', { query: { tag: 'queued' } });
assert.equal(inflight.running, true, 'sent to the worker');
assert.equal(queued.running, false, 'one slot: the second request waits in the queue');
await serverSees((s) => s.delayed.includes('inflight'), 'the in-flight request');
assert.equal(queued.cancel(), true);
assert.equal(inflight.cancel(), true);
await Promise.all([settled(inflight), settled(queued)]);
console.log(`cancelled in flight: ${code(inflight)}; cancelled while queued: ${code(queued)}`);
assert.equal(code(inflight), 'TF_ERR_ABORTED');
assert.equal(code(queued), 'TF_ERR_ABORTED');
assert.ok(inflight.cancelled && queued.cancelled);
assert.equal(inflight.cancel(), false, 'a done future cannot be cancelled again');
await serverSees((s) => s.aborted >= 1, 'the in-flight request abandoned');

// 2. A deadline: `timeout` covers the whole request. A failed future, not a cancelled one.
const late = session.get('/delay/5000', { query: { tag: 'late' }, timeout: 300 });
await settled(late);
console.log(`timeout 300 ms on a 5 s response: ${code(late)} (cancelled: ${late.cancelled})`);
assert.equal(code(late), 'TF_ERR_TIMEOUT');
assert.equal(late.cancelled, false);
await serverSees((s) => s.aborted >= 2, 'the late request abandoned');

// 3. The deadline covers the callback too: a long CPU-bound callback that watches ctx.signal stops there.
const slow = session.get('/catalogue/1', { query: { count: 20_000 }, background: 'summarizeSlowly', timeout: 300 });
await settled(slow);
console.log(`timeout 300 ms on a 1 s callback: ${code(slow)}`);
assert.equal(code(slow), 'TF_ERR_TIMEOUT');

// 4. An AbortSignal, as with fetch: yours, or AbortSignal.timeout().
const controller = new AbortController();
const signalled = session.get('/delay/5000', { query: { tag: 'signal' }, signal: controller.signal });
await serverSees((s) => s.delayed.includes('signal'), 'the signalled request');
controller.abort(new Error('user went away'));
await settled(signalled);
const cause = (signalled.error as Error | undefined)?.cause as Error | undefined;
console.log(`signal aborted: ${code(signalled)} (cancelled: ${signalled.cancelled}, cause: ${cause?.message})`);
assert.equal(code(signalled), 'TF_ERR_ABORTED');
assert.equal(signalled.cancelled, true);
assert.equal(cause?.message, 'user went away');
const timedSignal = session.get('/delay/5000', { query: { tag: 'signal-timeout' }, signal: AbortSignal.timeout(300) });
await settled(timedSignal);
console.log(`AbortSignal.timeout(300): ${code(timedSignal)}`);
assert.equal(code(timedSignal), 'TF_ERR_ABORTED');

// 5. result(ms) stops waiting; the request goes on and can still be awaited.
const patient = session.get('/delay/600', { query: { tag: 'patient' } });
await assert.rejects(patient.result(50), (error: ThreadfetchError) => error.code === 'TF_ERR_RESULT_TIMEOUT');
assert.equal(patient.done, false);
assert.equal(patient.cancelled, false);
const res = await patient;
console.log(`result(50) on a 600 ms response: TF_ERR_RESULT_TIMEOUT; the request went on and answered ${res.status}`);
assert.equal(res.status, 200);

// The one worker survived all of it, and the queued request never reached the server.
const stats = await serverSees((s) => s.aborted >= 4, 'every abandoned request');
const after = await session.get('/status/200');
console.log(
  `the server saw ${stats.aborted} requests abandoned and never saw the queued one; ` +
    `the worker still serves (${after.status}), worker crashes: ${session.stats().workerCrashes}`,
);
assert.equal(stats.delayed.includes('queued'), false, 'a request cancelled in the queue is never sent');
assert.equal(after.status, 200);
assert.equal(session.stats().workerCrashes, 0);
console.log('cancellation: ok');
