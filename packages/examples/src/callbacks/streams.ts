/** Streaming callbacks: they consume the body as it arrives, in constant memory, whatever its size. */
import { createHash } from 'node:crypto';
import { streaming } from '@threadfetch/worker';

/** The SHA-256 of the body, and its size. */
export const sha256 = streaming(async (res) => {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res.body) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
});

/** Counts the lines of a text body, and reports the worker's peak heap while doing so. */
export const countLines = streaming(async (res) => {
  let lines = 0;
  let peakHeap = 0;
  for await (const chunk of res.body) {
    for (const byte of chunk) if (byte === 10) lines++;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  return { lines, peakHeapMb: peakHeap / 1024 / 1024 };
});
