/**
 * The distributed executor (@threadfetch/queue): throughput of small and CPU-heavy requests through
 * QueueExecutor and a private redis-server, with 1, 2 and 4 `threadfetch-worker` processes (one worker
 * thread each), ratios per round to 1 process. Opt-in (`--only queue` or `--queue`); skipped, with the
 * reason, when redis-server is not installed.
 */
import { fileURLToPath } from 'node:url';
import { FuturesSession } from '@threadfetch/core';
import { QueueExecutor } from '@threadfetch/queue';
// The queue package's test helpers start the same services the tests use (bounded, torn down).
import { redisServerPath, startRedis } from '../../../packages/queue/dist-test/helpers/redis.js';
import { startWorkers, type WorkerGroup } from '../../../packages/queue/dist-test/helpers/worker-process.js';
import { inFlight } from '../clients/clients.js';
import { bigRecords, expectedSummary } from '../records.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rotate, rounds } from './context.js';

/** Figures with one number of worker processes. */
export interface QueuePoint {
  readonly processes: number;
  /** Small responses (`/small`), 64 in flight: requests per second. */
  readonly smallPerSecond: Figure;
  /** Over 1 process, per round. */
  readonly smallVsOne: Figure;
  /** `/big` reduced by the `summarize` callback in the worker process (keepBody: false): requests per second. */
  readonly heavyPerSecond: Figure;
  readonly heavyVsOne: Figure;
}

/** What {@link queueScenario} measured, or why it did not run. */
export type QueueResult = { readonly skipped: string } | { readonly threadsPerProcess: number; readonly points: QueuePoint[] };

/** Worker process counts measured. */
export const queueProcessCounts = [1, 2, 4] as const;

interface Group {
  readonly processes: number;
  readonly session: FuturesSession<typeof import('../callbacks.js')>;
  readonly executor: QueueExecutor;
  readonly workers: WorkerGroup;
  readonly small: number[];
  readonly heavy: number[];
}

async function measure(total: number, lanes: number, task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await inFlight(total, lanes, task);
  return (total / (performance.now() - started)) * 1000;
}

export async function queueScenario(ctx: Context): Promise<QueueResult> {
  if (redisServerPath === undefined) return { skipped: 'redis-server is not installed (Debian: apt-get install redis-server, or set REDIS_SERVER)' };
  ctx.step('queue: starting redis-server');
  const redis = await startRedis();
  const callbacks = fileURLToPath(new URL('../callbacks.js', import.meta.url));
  const groups: Group[] = [];
  const expected = JSON.stringify(expectedSummary(bigRecords));
  const smallCount = ctx.quick ? 1_000 : 3_000;
  const heavyCount = ctx.quick ? 16 : 48;
  try {
    for (const processes of queueProcessCounts) {
      ctx.step(`queue: starting ${processes} worker process(es)`);
      const queue = `bench-${process.pid}-${processes}`;
      const args = ['--redis', redis.url, '--queue', queue, '--callbacks', callbacks, '--workers', '1', '--concurrency', '64'];
      const workers = await startWorkers(processes, args);
      const executor = new QueueExecutor({ connection: redis.url, queue });
      const session = new FuturesSession<typeof import('../callbacks.js')>({ executor, timeout: 120_000 });
      groups.push({ processes, session, executor, workers, small: [], heavy: [] });
    }
    const small = (g: Group) => () => g.session.get(`${ctx.server.url}/small`);
    const heavy = (g: Group) => async () => {
      const { data } = await g.session.get(`${ctx.server.url}/big`, { background: 'summarize', keepBody: false });
      if (JSON.stringify(data) !== expected) throw new Error(`queue: ${g.processes} process(es) computed ${JSON.stringify(data)}, not ${expected}`);
    };
    for (const g of groups) {
      ctx.step(`queue: warming up ${g.processes} process(es)`);
      await inFlight(256, 64, small(g));
      await inFlight(g.processes * 4, g.processes * 2, heavy(g));
    }
    for (let round = 0; round < rounds(ctx); round++) {
      for (const g of rotate(groups, round)) {
        ctx.step(`queue: round ${round + 1}/${rounds(ctx)}, ${g.processes} process(es)`);
        g.small.push(await measure(smallCount, 64, small(g)));
        g.heavy.push(await measure(Math.max(heavyCount, g.processes * 8), Math.max(4, g.processes * 2), heavy(g)));
      }
    }
  } finally {
    for (const g of groups) {
      await g.session.close();
      await g.executor.destroy();
    }
    await Promise.all(groups.map((g) => g.workers.stop()));
    await redis.stop();
  }
  const one = groups[0] as Group;
  return {
    threadsPerProcess: 1,
    points: groups.map((g) => ({
      processes: g.processes,
      smallPerSecond: figure(g.small),
      smallVsOne: figure(g.small.map((v, i) => v / (one.small[i] as number))),
      heavyPerSecond: figure(g.heavy),
      heavyVsOne: figure(g.heavy.map((v, i) => v / (one.heavy[i] as number))),
    })),
  };
}
