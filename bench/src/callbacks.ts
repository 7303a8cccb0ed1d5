/**
 * The background callbacks module threadfetch loads in each worker (`callbacks` option): the same
 * reduction the main-thread baselines run, so both sides do the same work.
 */
import type { BackgroundResponse } from '@threadfetch/worker';
import { summarize as reduce, type Summary } from './records.js';

/** Parses a records document and returns its count and price sum; the body itself can stay in the worker. */
export function summarize(res: BackgroundResponse): Summary {
  return reduce(res.json());
}

/** The body's length, without sending it back: the smallest possible offloaded work. */
export function length(res: BackgroundResponse): number {
  return res.body.byteLength;
}
