/** Worker-count sweep: CPU-heavy throughput with 1, 2, 4, ... workers, against undici plus the work on the main thread. */
import { availableParallelism } from 'node:os';
import { threadfetchClient, undiciClient } from '../clients/clients.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rounds, tfOptions } from './context.js';
import { measureReductions } from './cpu-heavy.js';

export interface WorkersPoint {
  readonly workers: number;
  readonly perSecond: Figure;
  readonly vsMainThread: Figure;
}

export async function workersSweep(ctx: Context): Promise<{ mainThread: Figure; points: WorkersPoint[] }> {
  const cores = availableParallelism();
  const counts = [1, 2, 4, 8, 16].filter((n) => n <= Math.max(2, cores * 2));
  const url = `${ctx.server.url}/big`;
  const count = ctx.quick ? 16 : 48;
  const main: number[] = [];
  const undici = undiciClient();
  try {
    for (let round = 0; round < rounds(ctx); round++) {
      ctx.step(`workers sweep: main thread, round ${round + 1}/${rounds(ctx)}`);
      main.push((await measureReductions(undici, url, count, 4)).rps);
    }
  } finally {
    await undici.close();
  }
  const points: WorkersPoint[] = [];
  for (const workers of counts) {
    const tf = threadfetchClient(tfOptions(ctx, workers));
    const rps: number[] = [];
    try {
      const lanes = Math.max(4, workers * 2);
      await measureReductions(tf, url, lanes, lanes);
      for (let round = 0; round < rounds(ctx); round++) {
        ctx.step(`workers sweep: ${workers} workers, round ${round + 1}/${rounds(ctx)}`);
        rps.push((await measureReductions(tf, url, Math.max(count, workers * 4), lanes)).rps);
      }
    } finally {
      await tf.close();
    }
    points.push({ workers, perSecond: figure(rps), vsMainThread: figure(rps.map((v, i) => v / (main[i] as number))) });
  }
  return { mainThread: figure(main), points };
}
