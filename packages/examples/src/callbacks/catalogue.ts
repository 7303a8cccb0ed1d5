/**
 * Background callbacks for catalogue pages, loaded once in each worker thread. Each one reduces a
 * large JSON body to a few numbers, so only the numbers cross back to the main thread.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { BackgroundResponse, CallbackContext } from '@threadfetch/worker';
import { type Catalogue, type Summary, summarize } from '../support/records.js';

/** Parses the page and reduces it. */
export function summarizePage(res: BackgroundResponse): Summary {
  return summarize(res.json<Catalogue>());
}

/** Like summarizePage, but refuses a page with a negative price: the error reaches the caller as TF_ERR_CALLBACK_FAILED. */
export function validatePage(res: BackgroundResponse): Summary {
  const catalogue = res.json<Catalogue>();
  const bad = catalogue.items.find((item) => item.price < 0);
  if (bad) throw new RangeError(`item ${bad.id} has a negative price (${bad.price})`);
  return summarize(catalogue);
}

/**
 * A long callback written to be cancellable: it works in slices, lets the worker's event loop run
 * between them (that is when a cancel or a deadline arrives), and stops when `ctx.signal` is aborted.
 */
export async function summarizeSlowly(res: BackgroundResponse, ctx: CallbackContext): Promise<Summary & { slices: number }> {
  const catalogue = res.json<Catalogue>();
  let slices = 0;
  for (let start = 0; start < catalogue.items.length; start += 100) {
    ctx.signal.throwIfAborted();
    const until = performance.now() + 5;
    while (performance.now() < until); // stands for 5 ms of real work on this slice
    slices += 1;
    await yieldToLoop();
  }
  return { ...summarize(catalogue), slices };
}
