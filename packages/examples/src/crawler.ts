/**
 * A crawler in the background: one request per site section from the main thread; the callback
 * follows the links of each section with `ctx.request` inside its worker and returns a summary.
 * The main thread sees one future per section, in the order the crawls finish (`asCompleted`).
 */
import assert from 'node:assert/strict';
import { asCompleted, FuturesSession } from '@threadfetch/core';
import type { CrawlSummary } from './callbacks/crawl.js';
import { startServer } from './support/local-server.js';
import { siteSections } from './support/routes.js';

await using server = await startServer();
await using session = new FuturesSession<typeof import('./callbacks/crawl.js')>({
  baseURL: server.url,
  callbacks: new URL('./callbacks/crawl.js', import.meta.url),
  maxWorkers: 2,
  timeout: 10_000, // the deadline covers the whole crawl, follow-up requests included
});

const sections = Object.keys(siteSections);
const futures = sections.map((section) => session.get(`/site/${section}/0`, { background: 'crawl', keepBody: false }));
futures.push(session.get('/site/missing/0', { background: 'crawl', keepBody: false }));

const summaries = new Map<string, CrawlSummary>();
for await (const item of asCompleted(futures)) {
  // At run time `item` is the future; TypeScript types a `for await` variable as the awaited value.
  const future = item as unknown as (typeof futures)[number];
  const res = await future;
  const summary = res.data;
  const section = new URL(res.url).pathname.split('/')[2] ?? '';
  console.log(
    `${section.padEnd(8)} status ${res.status}: ${summary.pages} pages, ${summary.words} words, ` +
      `${summary.broken} broken link(s), ${summary.external} external; in ${res.timings.total.toFixed(0)} ms`,
  );
  summaries.set(section, summary);
}

// Each section is a binary tree of pages: all are found, with one dead link and one external link per section.
for (const [section, size] of Object.entries(siteSections)) {
  const summary = summaries.get(section) ?? assert.fail(`no summary for ${section}`);
  assert.equal(summary.pages, size, `${section}: every page found`);
  assert.equal(summary.broken, 1, `${section}: the dead link is reported`);
  assert.equal(summary.external, 1, `${section}: the external link is counted once, not followed`);
  assert.equal(new Set(summary.titles).size, size, `${section}: no page fetched twice`);
}
// A start page that is not there: the future resolves (a 404 is a response), the callback reports it.
const missing = summaries.get('missing') ?? assert.fail('no summary for the missing section');
assert.equal(missing.pages, 0);
assert.equal(missing.broken, 1);
console.log('crawler: ok');
