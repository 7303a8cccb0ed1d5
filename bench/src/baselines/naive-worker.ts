/** The naive design's worker: one Piscina task per request, undici inside, the reduction when asked. */
import { Agent, request } from 'undici';
import { type Summary, summarize } from '../records.js';

const agent = new Agent({ keepAliveTimeout: 10_000 });

/** One request of the naive design: its URL, and whether to reduce the body in the worker. */
export interface NaiveTask {
  readonly url: string;
  readonly reduce: boolean;
}

/** The Piscina task: the Summary when asked to reduce, else the body bytes (copied back with the result). */
export default async function run(task: NaiveTask): Promise<Summary | Uint8Array> {
  const res = await request(task.url, { dispatcher: agent });
  if (task.reduce) return summarize(await res.body.json());
  return new Uint8Array(await res.body.arrayBuffer());
}
