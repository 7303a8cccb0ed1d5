/**
 * Run by backpressure.test.ts in a child process with --expose-gc: submits 100,000 requests in one tick
 * to a session with maxQueue 1,000, counts how each settles, and reports heap use before and after.
 */
import { FuturesSession } from '@threadfetch/core';

const url = process.argv[2] as string;
const total = 100_000;
const gc = (globalThis as { gc?: () => void }).gc as () => void;
const session = new FuturesSession({ maxWorkers: 1, concurrencyPerWorker: 64, maxQueue: 1_000, timeout: 60_000 });
await session.get(url);
gc();
const heapBefore = process.memoryUsage().heapUsed;
const settled = new Map<string, number>();
let settles = 0;
const count = (key: string) => {
  settles++;
  settled.set(key, (settled.get(key) ?? 0) + 1);
};
const pending: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const future = session.get(url);
  // Only the futures still running are kept; the ones refused at once are counted and dropped.
  const p = future.then(
    () => count('ok'),
    (error: unknown) => count((error as { code: string }).code),
  );
  if (!future.done) pending.push(p);
}
await Promise.all(pending);
await new Promise((resolve) => setTimeout(resolve, 50));
gc();
const heapAfter = process.memoryUsage().heapUsed;
await session.close();
console.log(JSON.stringify({ settles, settled: Object.fromEntries(settled), heapGrowthMb: (heapAfter - heapBefore) / 1024 / 1024 }));
