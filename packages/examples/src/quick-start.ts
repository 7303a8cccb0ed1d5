/**
 * Quick start: a session, requests that return futures at once, the built-in `json` callback,
 * a JSON POST, and the two ways to wait on many futures: `asCompleted` and `wait`.
 */
import assert from 'node:assert/strict';
import { asCompleted, FuturesSession, wait } from '@threadfetch/core';
import { startServer } from './support/local-server.js';

await using server = await startServer();
await using session = new FuturesSession({ baseURL: server.url, headers: { 'user-agent': 'quick-start/1.0' }, maxWorkers: 2 });

// A GET with query parameters. The call returns a future at once; awaiting it gives the response.
const future = session.get('/echo', { query: { page: 2, q: 'threads' } });
console.log(`future.done right after the call: ${future.done}`);
const res = await future;
const echoed = res.json<{ query: Record<string, string>; headers: Record<string, string> }>();
console.log(`GET ${res.url} -> ${res.status}, query seen by the server: ${JSON.stringify(echoed.query)}`);
assert.equal(res.status, 200);
assert.ok(res.ok);
assert.deepEqual(echoed.query, { page: '2', q: 'threads' });
assert.equal(echoed.headers['user-agent'], 'quick-start/1.0');
assert.match(res.headers.get('content-type') ?? '', /application\/json/);

// The built-in `json` callback parses in the worker; the parsed value is res.data.
const page = await session.get('/catalogue/3', { query: { count: 5 }, background: 'json' });
const catalogue = page.data as { page: number; items: { sku: string }[] };
console.log(`background 'json': page ${catalogue.page}, ${catalogue.items.length} items, first ${catalogue.items[0]?.sku}`);
assert.equal(catalogue.items.length, 5);
assert.ok(page.body.byteLength > 0, 'the body is kept by default');

// A POST with a JSON body (content-type is set for you).
const posted = await session.post('/echo', { json: { name: 'widget', price: 1999 } });
const seen = posted.json<{ method: string; headers: Record<string, string>; body: unknown }>();
console.log(`POST json -> the server got ${seen.method} ${JSON.stringify(seen.body)} as ${seen.headers['content-type']}`);
assert.equal(seen.method, 'POST');
assert.deepEqual(seen.body, { name: 'widget', price: 1999 });
assert.equal(seen.headers['content-type'], 'application/json');

// asCompleted yields the futures themselves, in the order they finish.
const delays = [600, 50, 300];
const futures = delays.map((ms) => session.get(`/delay/${ms}`, { background: 'json' }));
const order: number[] = [];
for await (const item of asCompleted(futures)) {
  // At run time `item` is the future; TypeScript types a `for await` variable as the awaited value.
  const done = item as unknown as (typeof futures)[number];
  const { waited } = (await done).data as { waited: number };
  order.push(waited);
  console.log(`asCompleted: /delay/${waited} finished (future #${futures.indexOf(done)}, done: ${done.done})`);
}
assert.deepEqual(order, [50, 300, 600]);

// wait() splits futures into done and not done: here, as soon as the first one completes.
const fast = session.get('/delay/50');
const slow = session.get('/delay/800');
const first = await wait([fast, slow], { returnWhen: 'FIRST_COMPLETED' });
console.log(`wait FIRST_COMPLETED: ${first.done.size} done, ${first.notDone.size} still running`);
assert.deepEqual([...first.done], [fast]);
assert.equal(slow.done, false);
const all = await wait([fast, slow]);
console.log(`wait ALL_COMPLETED: ${all.done.size} done, ${all.notDone.size} left`);
assert.equal(all.notDone.size, 0);
assert.ok((await slow).ok);

console.log('quick-start: ok');
