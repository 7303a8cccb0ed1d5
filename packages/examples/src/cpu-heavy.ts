/**
 * CPU-heavy work on responses: the same parse-and-reduce, once on the main thread after the body
 * crossed over, once in a background callback with `keepBody: false`. Both fetch with threadfetch;
 * the difference is only where the work runs, and the main thread's event loop shows it.
 */
import assert from 'node:assert/strict';
import { FuturesSession } from '@threadfetch/core';
import { startServer } from './support/local-server.js';
import { measure, ms, printTable } from './support/measure.js';
import { type Catalogue, summarize } from './support/records.js';

const pages = Array.from({ length: 12 }, (_, i) => `/catalogue/${i}?count=20000`);

await using server = await startServer();
await using session = new FuturesSession<typeof import('./callbacks/catalogue.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/catalogue.js', import.meta.url),
  maxWorkers: 2,
});
// Start the workers and load the callbacks module in each before measuring.
await Promise.all([0, 1].map((i) => session.get(`/catalogue/${i}?count=10`, { background: 'summarizePage' })));

// On the main thread: each 2 MB body is transferred to the main thread, then parsed and reduced there.
const onMain = await measure(() => Promise.all(pages.map((path) => session.get(path).then((res) => summarize(res.json<Catalogue>())))));

// In the workers: the callback parses and reduces; the body is dropped there and only the summary crosses.
const offloaded = await measure(async () => {
  const responses = await Promise.all(pages.map((path) => session.get(path, { background: 'summarizePage', keepBody: false })));
  for (const res of responses) assert.equal(res.body.byteLength, 0, 'keepBody: false leaves an empty body');
  const { timings } = responses[0] ?? assert.fail('no response');
  console.log(`timings of one offloaded request: headers ${ms(timings.headers)}, body ${ms(timings.body)}, callback ${ms(timings.callback)}`);
  return responses.map((res) => res.data);
});

printTable([
  ['12 pages of 20,000 records', 'parse on main', 'reducing callback'],
  ['wall time', ms(onMain.wallMs), ms(offloaded.wallMs)],
  ['event-loop delay p99', ms(onMain.p99Ms), ms(offloaded.p99Ms)],
  ['event-loop delay max', ms(onMain.maxMs), ms(offloaded.maxMs)],
]);

assert.deepEqual(offloaded.result, onMain.result, 'both ways compute the same summaries');
assert.ok(offloaded.maxMs < onMain.maxMs, 'the main thread is blocked for less when the work runs in the workers');
console.log(`total value of page 0: ${offloaded.result[0]?.value} cents`);
console.log('cpu-heavy: ok');
