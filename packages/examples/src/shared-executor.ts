/**
 * One pool of worker threads, several sessions: each session keeps its own settings and callbacks
 * module, the threads are shared. A session never shuts down an executor it did not create, so
 * closing one session leaves the others running.
 */
import assert from 'node:assert/strict';
import { FuturesSession, ThreadExecutor, type ThreadfetchError } from '@threadfetch/core';
import { startServer } from './support/local-server.js';

await using server = await startServer();
const executor = new ThreadExecutor({ maxWorkers: 2, concurrencyPerWorker: 16 });

// Two sessions, two callbacks modules, one pool. Each worker loads each module the first time it is needed.
const catalogue = new FuturesSession<typeof import('./callbacks/catalogue.js')>({
  executor,
  baseURL: `${server.url}/catalogue/`,
  callbacks: new URL('./callbacks/catalogue.js', import.meta.url),
});
const text = new FuturesSession<typeof import('./callbacks/text.js')>({
  executor,
  baseURL: `${server.url}/text/`,
  callbacks: new URL('./callbacks/text.js', import.meta.url),
  headers: { 'user-agent': 'text-service/2.0' },
});
console.log(`one executor with ${executor.threads} threads serves both sessions`);

const pages = [1, 2, 3].map((n) => catalogue.get(`${n}?count=2000`, { background: 'summarizePage', keepBody: false }));
const texts = [100, 250].map((n) => text.get(String(n), { background: 'countWords', keepBody: false }));
for (const res of await Promise.all(pages)) console.log(`catalogue session: page ${res.data.page}, ${res.data.count} items, ${res.data.onSale} on sale`);
for (const res of await Promise.all(texts)) console.log(`text session: ${res.data.words} words, ${res.data.lines} lines, most frequent "${res.data.top}"`);
assert.deepEqual(
  (await Promise.all(texts)).map((res) => res.data.words),
  [100, 250],
);

// The callbacks modules stay apart: the text session cannot run the catalogue session's callback.
const wrong = text.get('10', { background: 'summarizePage' as 'countWords' });
await assert.rejects(wrong, (error: ThreadfetchError) => error.code === 'TF_ERR_UNKNOWN_CALLBACK');
console.log(`text session asking for summarizePage: ${(wrong.error as ThreadfetchError).code}`);

// Closing one session (with requests still pending, which it drains) does not stop the pool.
const draining = text.get('50', { background: 'countWords' });
await text.close();
assert.equal((await draining).data.words, 50, 'close() drains what is pending');
const afterClose = await catalogue.get('9?count=10', { background: 'summarizePage' });
assert.equal(afterClose.data.count, 10);
console.log(`after text.close(): catalogue session still works (${executor.threads} threads), text session rejects new requests:`);
const refused = text.get('10');
await assert.rejects(refused, (error: ThreadfetchError) => error.code === 'TF_ERR_SESSION_CLOSED');
console.log(`  ${(refused.error as ThreadfetchError).code}`);

// The same holds for a session that borrows another session's executor: `session.executor`.
const borrower = new FuturesSession({ executor: catalogue.executor, baseURL: server.url });
assert.equal((await borrower.get('/status/204')).status, 204);
await borrower.close();
assert.equal((await catalogue.get('4?count=10', { background: 'summarizePage' })).data.count, 10);
console.log('a borrowing session closed; the owner of the threads goes on');

// Whoever created the executor shuts it down, after the sessions that use it.
await catalogue.close();
await executor.destroy();
assert.equal(executor.threads, 0);
console.log('shared-executor: ok');
