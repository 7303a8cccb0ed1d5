/** Streaming callbacks: they consume the body as it arrives, in constant memory, whatever its size. */
import { createHash } from 'node:crypto';
import { streaming } from '@threadfetch/worker';
import { memoryPeak } from '../support/memory-peak.js';

/** The SHA-256 of the body, its size, and how far the worker's memory grew while reading it. */
export const sha256 = streaming(async (res) => {
  const hash = createHash('sha256');
  const memory = memoryPeak();
  let bytes = 0;
  for await (const chunk of res.body) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    memory.sample();
  }
  return { sha256: hash.digest('hex'), bytes, growthMb: memory.growthMb() };
});

/**
 * Counts the lines of a text body (LF bytes) and its bytes. Also reports how far this worker's memory
 * (heap and buffers) grew while reading it: a few MB of chunks waiting for the garbage collector,
 * whatever the size of the body, since no chunk is kept.
 */
export const countLines = streaming(async (res) => {
  const memory = memoryPeak();
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    bytes += chunk.byteLength;
    memory.sample();
  }
  return { lines, bytes, growthMb: memory.growthMb() };
});
