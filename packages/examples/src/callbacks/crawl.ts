/**
 * A crawler that runs entirely in a worker thread: from the start page it follows links with
 * `ctx.request` (same worker, same connection pool, no trip through the main thread) and returns
 * only a summary of the site.
 */
import type { BackgroundResponse, CallbackContext } from '@threadfetch/worker';

/** Pages fetched at most per crawl. */
const maxPages = 200;
/** Requests in flight at most per crawl, to be polite to the site. */
const parallel = 8;

export interface CrawlSummary {
  readonly start: string;
  /** Pages fetched with a 2xx status, the start page included. */
  readonly pages: number;
  /** Links inside the site that answered with an error status. */
  readonly broken: number;
  /** Distinct links to other origins, counted and not followed. */
  readonly external: number;
  readonly words: number;
  readonly titles: readonly string[];
}

const linkPattern = /<a\s[^>]*href="([^"]+)"/g;
const titlePattern = /<title>([^<]*)<\/title>/;

/** Follows the links under the start page's folder, level by level, fetching each level's pages in parallel. */
export async function crawl(start: BackgroundResponse, ctx: CallbackContext): Promise<CrawlSummary> {
  const origin = new URL(start.url).origin;
  const scope = new URL('.', start.url).pathname;
  const seen = new Set<string>([start.url]);
  let external = 0;
  let broken = start.ok ? 0 : 1;
  let words = 0;
  const titles: string[] = [];
  let level: BackgroundResponse[] = start.ok ? [start] : [];
  while (level.length > 0) {
    const next: string[] = [];
    for (const page of level) {
      const html = page.text();
      titles.push(titlePattern.exec(html)?.[1] ?? page.url);
      words += (html.replace(/<[^>]*>/g, ' ').match(/\S+/g) ?? []).length;
      for (const [, href = ''] of html.matchAll(linkPattern)) {
        const url = new URL(href, page.url);
        url.hash = '';
        if (seen.has(url.href)) continue;
        seen.add(url.href);
        if (url.origin !== origin) external += 1;
        else if (url.pathname.startsWith(scope) && titles.length + next.length < maxPages) next.push(url.href);
      }
    }
    const responses: BackgroundResponse[] = [];
    for (let i = 0; i < next.length; i += parallel) {
      ctx.signal.throwIfAborted();
      responses.push(...(await Promise.all(next.slice(i, i + parallel).map((url) => ctx.request({ url })))));
    }
    broken += responses.filter((r) => !r.ok).length;
    level = responses.filter((r) => r.ok);
  }
  return { start: start.url, pages: titles.length, broken, external, words, titles };
}
