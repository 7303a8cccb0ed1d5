/**
 * asynckit's README example, done with threadfetch: a pool handed work with arguments (`pool.do`), its
 * results waited on and read (`wait`, `get`), results set by the caller (`AsyncResult.set`), and work
 * chained on other results, run once they are all set.
 */
import assert from 'node:assert/strict';
import { Future, FuturesSession, type ThreadfetchError, wait } from '@threadfetch/core';
import { startServer } from './support/local-server.js';

await using server = await startServer();
// Pool(worker_count=3)
const pool = new FuturesSession<typeof import('./callbacks/asynckit.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/asynckit.js', import.meta.url),
  maxWorkers: 3,
});

// my_pool.do(download_url, url): the work runs on a worker thread; the future is asynckit's AsyncResult.
const catalogueDownload = pool.run('downloadUrl', `${server.url}/catalogue/1?count=50`);
const siteDownload = pool.run('downloadUrl', `${server.url}/site/small/0`);
const textDownload = pool.run('downloadUrl', `${server.url}/text/400`);

// .wait() on each, then .get(): result() re-throws what the work threw.
await wait([catalogueDownload, siteDownload, textDownload]);
const cataloguePage = await catalogueDownload.result();
const sitePage = await siteDownload.result();
const textPage = await textDownload.result();
console.log(`downloaded ${cataloguePage.length} bytes from /catalogue`);
console.log(`downloaded ${sitePage.length} bytes from /site`);
console.log(`downloaded ${textPage.length} bytes from /text`);
assert.equal(JSON.parse(cataloguePage).items.length, 50);
assert.match(sitePage, /<title>small 0<\/title>/);

// Chaining: AsyncResults set by the caller as arguments; the work runs once both are set.
const a = Future.withResolvers<string>();
const b = Future.withResolvers<string>();
const chained = pool.run('work', a.future, 1, b.future, 2);
a.resolve('my A value'); // the pool still misses b
assert.equal(await pool.run('wordCount', textPage), 400, 'other work goes on meanwhile');
assert.equal(chained.done, false);
b.resolve('my B value'); // the pool does the work now
console.log(`chained work: ${await chained}`);
assert.equal(await chained, 'my A value, 1, my B value, 2');

// Results of other work, and responses of requests, as arguments.
const words = pool.run('wordCount', textDownload);
const title = pool.run('titleOf', pool.get('/site/medium/3'));
console.log(`chained on results: ${await words} words; title "${await title}"`);
assert.equal(await words, 400);
assert.equal(await title, 'medium 3');

// An exception in the work is stored, and raised when the result is read; work chained on it never runs.
const missing = pool.run('downloadUrl', `${server.url}/status/404`);
const dependent = pool.run('wordCount', missing);
await assert.rejects(missing.result(), { code: 'TF_ERR_CALLBACK_FAILED' });
await assert.rejects(dependent.result(), { code: 'TF_ERR_DEPENDENCY_FAILED' });
console.log(`failed work: ${missing.error?.message}; chained on it: ${(dependent.error as ThreadfetchError).code}`);

// my_pool.stop(True): waits for what is pending, then stops the threads.
await pool.close();
console.log('asynckit: ok');
