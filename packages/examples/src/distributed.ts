/**
 * Beyond one machine: a session whose requests, and their reducing callback, run in two
 * `threadfetch-worker` processes fed by a QueueExecutor through a private redis-server. Each result
 * says which process (pid) computed it. Without redis-server it skips (under CI it fails).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { asCompleted, FuturesSession } from '@threadfetch/core';
import { QueueExecutor } from '@threadfetch/queue';
import { deadline } from './support/deadline.js';
import { startServer } from './support/local-server.js';
import { makeCatalogue, summarize } from './support/records.js';
import { redisServerPath, startRedis } from './support/redis.js';
import { startWorkers } from './support/worker-process.js';

if (redisServerPath === undefined) {
  const reason = 'redis-server is not installed (Debian: apt-get install redis-server, or set REDIS_SERVER)';
  if (process.env.CI) throw new Error(`distributed: ${reason}`);
  console.log(`distributed: skipped: ${reason}`);
  process.exit(0);
}
deadline('distributed', 90);

await using server = await startServer();
const redis = await startRedis();
const queue = 'examples';
const callbacks = new URL('./callbacks/distributed.js', import.meta.url);
// Two worker processes, one thread and two jobs at a time each, so that both get a share of the batch.
const workers = await startWorkers(2, [
  ...['--redis', redis.url, '--queue', queue, '--callbacks', fileURLToPath(callbacks)],
  ...['--workers', '1', '--concurrency', '2'],
]).catch(async (error: unknown) => {
  await redis.stop();
  throw error;
});
const pids = workers.map((w) => w.pid);
console.log(`redis-server at ${redis.url}; worker processes ${pids.join(', ')}`);

const executor = new QueueExecutor({ connection: redis.url, queue });
const session = new FuturesSession<typeof import('./callbacks/distributed.js')>({ executor, baseURL: `${server.url}/catalogue/`, callbacks });
try {
  const pages = Array.from({ length: 12 }, (_, i) => i + 1);
  const futures = pages.map((page) => session.get(`${page}?count=5000`, { background: 'summarizeWhere', keepBody: false }));
  const handled = new Map<number, number>();
  for await (const item of asCompleted(futures, { timeout: 60_000 })) {
    // At run time `item` is the future; TypeScript types a `for await` variable as the awaited value.
    const { data } = await (item as unknown as (typeof futures)[number]);
    assert.ok(pids.includes(data.pid), `page ${data.page} came from pid ${data.pid}, not one of the workers ${pids.join(', ')}`);
    const { pid, ...summary } = data;
    assert.deepEqual(summary, summarize(makeCatalogue(data.page, 5000)), `page ${data.page}: the summary is wrong`);
    handled.set(pid, (handled.get(pid) ?? 0) + 1);
    console.log(`page ${String(data.page).padStart(2)}: ${summary.count} items, ${summary.onSale} on sale, reduced by worker process ${pid}`);
  }
  assert.equal(
    [...handled.values()].reduce((a, b) => a + b, 0),
    pages.length,
  );
  assert.equal(handled.size, 2, `expected both worker processes to take part, got ${[...handled].map(([p, n]) => `${p}: ${n}`).join(', ')}`);
  console.log(`per worker process: ${[...handled].map(([pid, n]) => `${pid} reduced ${n}`).join(', ')}`);
} catch (error) {
  console.error(workers.map((w) => `--- worker process ${w.pid}:\n${w.output()}`).join('\n'));
  throw error;
} finally {
  await session.close();
  await executor.destroy();
  const codes = await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
  // Each finishes its active jobs on SIGTERM and exits 0.
  assert.deepEqual(codes, [0, 0], `worker exit codes: ${codes.join(', ')}`);
}
console.log('distributed: ok');
