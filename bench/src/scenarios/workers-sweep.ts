/** Worker-count sweep: CPU-heavy throughput with 1, 2, 4, ... workers, against undici plus the work on the main thread. */
import { availableParallelism } from 'node:os';
import { threadfetchClient, undiciClient } from '../clients/clients.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rounds, tfOptions } from './context.js';
import { measureReductions } from './cpu-heavy.js';

/** Throughput with one worker count. */
export interface WorkersPoint {
  readonly workers: number;
  readonly perSecond: Figure;
  /** Over the main thread's throughput in the same round. */
  readonly vsMainThread: Figure;
  /** Main-thread event-loop delay p99, ms. */
  readonly delayP99Ms: Figure;
}

/** What {@link workersSweep} measured. */
export interface WorkersSweepResult {
  /** undici plus the reduction on the main thread, requests per second. */
  readonly mainThread: Figure;
  readonly points: WorkersPoint[];
}

/** Worker counts 1, 2, 4, 8, 16 up to twice the cores (at least 2); each round measures the main thread then every count. */
export async function workersSweep(ctx: Context): Promise<WorkersSweepResult> {
  const cores = availableParallelism();
  const counts = [1, 2, 4, 8, 16].filter((n) => n <= Math.max(2, cores * 2));
  const url = `${ctx.server.url}/big`;
  const count = ctx.quick ? 16 : 48;
  const undici = undiciClient();
  const pools = counts.map((workers) => ({ workers, client: threadfetchClient(tfOptions(ctx, workers)), rps: [] as number[], p99: [] as number[] }));
  const main: number[] = [];
  try {
    ctx.step('workers sweep: warming up');
    await measureReductions(undici, url, 4, 4);
    for (const p of pools) await measureReductions(p.client, url, Math.max(4, p.workers * 2), Math.max(4, p.workers * 2));
    for (let round = 0; round < rounds(ctx); round++) {
      ctx.step(`workers sweep: main thread, round ${round + 1}/${rounds(ctx)}`);
      main.push((await measureReductions(undici, url, count, 4)).rps);
      for (const p of pools) {
        ctx.step(`workers sweep: ${p.workers} workers, round ${round + 1}/${rounds(ctx)}`);
        const m = await measureReductions(p.client, url, Math.max(count, p.workers * 4), Math.max(4, p.workers * 2));
        p.rps.push(m.rps);
        p.p99.push(m.p99);
      }
    }
  } finally {
    await Promise.all([undici.close(), ...pools.map((p) => p.client.close())]);
  }
  return {
    mainThread: figure(main),
    points: pools.map((p) => ({
      workers: p.workers,
      perSecond: figure(p.rps),
      vsMainThread: figure(p.rps.map((v, i) => v / (main[i] as number))),
      delayP99Ms: figure(p.p99),
    })),
  };
}
