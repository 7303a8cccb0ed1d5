/**
 * Background callbacks for the distributed example, loaded by each `threadfetch-worker` process
 * (`--callbacks`): a catalogue page reduced to a few numbers, plus the pid of the process that did it.
 */
import type { BackgroundResponse } from '@threadfetch/worker';
import { type Catalogue, type Summary, summarize } from '../support/records.js';

/** Parses the page, reduces it, and says which worker process ran it. */
export function summarizeWhere(res: BackgroundResponse): Summary & { pid: number } {
  return { ...summarize(res.json<Catalogue>()), pid: process.pid };
}
