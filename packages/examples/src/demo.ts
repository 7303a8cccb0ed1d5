/**
 * The demo (`pnpm demo`): fetch large JSON bodies and reduce them, once on the main thread with
 * undici, once with threadfetch and a reducing background callback, and compare what the main
 * thread went through. Options: `--requests N` (default 40).
 *
 * A local server in a child process serves catalogue pages of 20,000 records (about 2 MB each).
 * Both ways keep 8 requests in flight and compute the same summary per page.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { FuturesSession } from '@threadfetch/core';
import { Agent, request } from 'undici';
import { startServer } from './support/local-server.js';
import { type Measured, measure, ms, printTable } from './support/measure.js';
import { type Catalogue, type Summary, summarize } from './support/records.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '40' } } });
const requests = Number(values.requests);
if (!Number.isInteger(requests) || requests < 1 || requests > 1000) throw new TypeError('--requests must be an integer from 1 to 1000');
const inFlight = 8;
const workers = availableParallelism() >= 4 ? 4 : 2;
const pages = Array.from({ length: requests }, (_, i) => i);

await using server = await startServer();
const path = (page: number, count = 20_000) => `/catalogue/${page}?count=${count}`;

/** Runs `task` over `items`, at most `limit` at a time, results in the order of `items`. */
async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

// (a) The usual way: undici on the main thread, JSON.parse and the reduction on the main thread too.
const agent = new Agent({ connections: inFlight });
async function onMainThread(page: number): Promise<Summary> {
  const { body } = await request(`${server.url}${path(page)}`, { dispatcher: agent });
  return summarize(JSON.parse(await body.text()) as Catalogue);
}

// (b) threadfetch: the request, the parse and the reduction run in a worker; only the summary comes back.
await using session = new FuturesSession<typeof import('./callbacks/catalogue.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/catalogue.js', import.meta.url),
  maxWorkers: workers,
  concurrencyPerWorker: inFlight / workers,
});
async function withThreadfetch(): Promise<Summary[]> {
  const futures = pages.map((page) => session.get(path(page), { background: 'summarizePage', keepBody: false }));
  const responses = await Promise.all(futures);
  return responses.map((res) => res.data);
}

// Warm both up (connections, JIT, worker start, callbacks module import), then measure.
await mapLimit([0, 1], 2, (page) => onMainThread(page));
await Promise.all(Array.from({ length: workers }, (_, i) => session.get(path(i, 100), { background: 'summarizePage' })));

console.log(`threadfetch demo: ${requests} requests of ~2 MB JSON (20,000 records each), ${inFlight} in flight, server in a child process`);
console.log(`threadfetch runs ${workers} worker threads; this machine has ${availableParallelism()} cores.\n`);
const main = await measure(() => mapLimit(pages, inFlight, onMainThread));
const threaded = await measure(withThreadfetch);
await agent.close();

const equal = JSON.stringify(main.result) === JSON.stringify(threaded.result);
const perSecond = (m: Measured<unknown>) => ((requests / m.wallMs) * 1000).toFixed(1);
printTable([
  ['', 'main thread (undici)', 'threadfetch (workers)'],
  ['wall time', ms(main.wallMs), ms(threaded.wallMs)],
  ['requests/s', perSecond(main), perSecond(threaded)],
  ['event-loop delay p99', ms(main.p99Ms), ms(threaded.p99Ms)],
  ['event-loop delay max', ms(main.maxMs), ms(threaded.maxMs)],
  ['results equal', equal ? 'yes' : 'NO', ''],
]);

const stall = main.maxMs / Math.max(threaded.maxMs, 0.001);
const speed = main.wallMs / threaded.wallMs;
console.log(
  `\nIn plain words: parsing and reducing ${requests} large bodies on the main thread blocked its event loop for up to ${ms(main.maxMs)} at a time; ` +
    `with the work in background callbacks the longest block was ${ms(threaded.maxMs)} (${stall.toFixed(1)}x shorter), ` +
    `so timers, sockets and other requests on the main thread stay responsive. ` +
    (speed >= 1.1
      ? `The whole batch also finished ${speed.toFixed(1)}x faster, because ${workers} threads parsed in parallel.`
      : `Throughput was about the same (${speed.toFixed(2)}x): on ${availableParallelism()} cores the gain is responsiveness, not speed.`),
);
if (!equal) {
  console.error('the two ways computed different summaries');
  process.exitCode = 1;
}
