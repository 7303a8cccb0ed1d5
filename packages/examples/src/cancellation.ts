/**
 * Cancellation and timeouts: a queued request cancelled is never sent; an in-flight one is aborted
 * inside its worker, which goes on serving; `timeout`, an AbortSignal, and `result(ms)`, which gives up
 * waiting without cancelling anything.
 */
import assert from 'node:assert/strict';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { startServer } from './support/local-server.js';

await using server = await startServer();
// One worker, one request at a time: everything else waits in the main-thread queue.
await using session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1 });
const code = (future: { error: Error | undefined }) => (future.error as ThreadfetchError | undefined)?.code;
const settled = (future: PromiseLike<unknown>) =>
  Promise.resolve(future).then(
    () => undefined,
    () => undefined,
  );

// Wait for the worker to be up: a request cancelled before it starts is simply never sent.
await session.get('/status/204');

// In flight, then cancelled: aborted in the worker; the server sees the client go away.
const slow = session.get('/delay/5000');
const queued = session.get('/delay/10');
await new Promise((resolve) => setTimeout(resolve, 100));
assert.equal(slow.running, true);
assert.equal(queued.running, false, 'one slot: the second request waits in the queue');
assert.equal(queued.cancel(), true);
assert.equal(slow.cancel(), true);
await Promise.all([settled(slow), settled(queued)]);
console.log(`cancelled in flight: ${code(slow)}, cancelled while queued: ${code(queued)} (never sent)`);
assert.equal(code(slow), 'TF_ERR_ABORTED');
assert.equal(code(queued), 'TF_ERR_ABORTED');
assert.ok(slow.cancelled && queued.cancelled);
assert.equal(slow.cancel(), false, 'a done future cannot be cancelled again');

// A deadline: `timeout` covers the whole request.
const late = session.get('/delay/5000', { timeout: 200 });
await settled(late);
console.log(`timeout: 200 -> ${code(late)}`);
assert.equal(code(late), 'TF_ERR_TIMEOUT');

// An AbortSignal, as with fetch.
const controller = new AbortController();
const signalled = session.get('/delay/5000', { signal: controller.signal });
setTimeout(() => controller.abort(), 100);
await settled(signalled);
console.log(`signal aborted -> ${code(signalled)}, future.cancelled: ${signalled.cancelled}`);
assert.equal(code(signalled), 'TF_ERR_ABORTED');

// result(ms) stops waiting, the request goes on and can still be awaited.
const patient = session.get('/delay/400');
await assert.rejects(patient.result(50), (error: ThreadfetchError) => error.code === 'TF_ERR_RESULT_TIMEOUT');
const res = await patient;
console.log(`result(50) -> TF_ERR_RESULT_TIMEOUT; the request went on and answered ${res.status}`);
assert.equal(res.status, 200);

// The one worker survived all of it.
// The server learns of each abandoned request when its connection closes: ask until it has seen all three.
let aborted = 0;
let stats = await session.get('/stats');
for (let i = 0; i < 100 && aborted < 3; i++) {
  stats = await session.get('/stats');
  aborted = stats.json<{ aborted: number }>().aborted;
  if (aborted < 3) await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(`the server saw ${aborted} request(s) abandoned by the client; the worker still serves (${stats.status})`);
assert.ok(aborted >= 3, 'cancel, timeout and signal each closed a request on the server');
assert.equal(session.stats().workerCrashes, 0);
console.log('cancellation: ok');
