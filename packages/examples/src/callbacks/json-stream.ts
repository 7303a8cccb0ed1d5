/**
 * A streaming JSON reduction: the body, a JSON array too large to hold, goes through a streaming JSON
 * parser (@streamparser/json) chunk by chunk; each item is reduced as it is parsed, then dropped.
 */
import { JSONParser } from '@streamparser/json';
import { streaming } from '@threadfetch/worker';
import { memoryPeak } from '../support/memory-peak.js';
import { type Item, SummaryBuilder } from '../support/records.js';

/**
 * The summary of a JSON array of catalogue items, the body's size, and how far this worker's memory
 * grew while reducing it. A truncated or malformed document throws (the request fails with
 * TF_ERR_CALLBACK_FAILED, or the body's own error when the connection was cut).
 */
export const reduceItems = streaming(async (res) => {
  // '$.*': each element of the top-level array, emitted once complete; keepStack: false lets the
  // parser drop it after onValue, so nothing accumulates. Strings are gathered in a 64 KB buffer.
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false, stringBufferSize: 64 * 1024 });
  const summary = new SummaryBuilder();
  parser.onValue = ({ value }) => summary.add(value as unknown as Item);
  const memory = memoryPeak();
  let bytes = 0;
  for await (const chunk of res.body) {
    parser.write(chunk);
    bytes += chunk.byteLength;
    memory.sample();
  }
  // The parser ends by itself after the array's closing bracket; end() throws if it is still inside.
  if (!parser.isEnded) parser.end();
  return { ...summary.result(0), bytes, growthMb: memory.growthMb() };
});
