/**
 * Sequential latency, one request at a time. The floor (a bare postMessage round trip), undici on the
 * main thread and threadfetch are sampled interleaved, in one loop, so all three see the same machine.
 * The overhead of threadfetch is its p50 minus undici's, counted in floors.
 */
import { startFloor } from '../baselines/floor.js';
import { threadfetchClient, undiciClient } from '../clients/clients.js';
import { type Figure, figure, percentile } from '../support/stats.js';
import { type Context, tfOptions } from './context.js';

export interface LatencyResult {
  readonly samples: number;
  /** Medians of per-chunk p50s, microseconds. */
  readonly floorP50: Figure;
  readonly undiciP50: Figure;
  readonly threadfetchP50: Figure;
  readonly undiciP99: number;
  readonly threadfetchP99: number;
  /** (threadfetch p50 - undici p50) / floor p50, per chunk. */
  readonly overheadInFloors: Figure;
}

export async function latency(ctx: Context): Promise<LatencyResult> {
  const floor = await startFloor();
  const undici = undiciClient(1);
  const tf = threadfetchClient(tfOptions(ctx));
  const url = `${ctx.server.url}/small`;
  const total = ctx.quick ? 2_000 : 6_000;
  const chunks = 5;
  const samples = { floor: [] as number[], undici: [] as number[], tf: [] as number[] };
  try {
    for (let i = 0; i < 300; i++) {
      await floor.hop();
      await undici.get(url);
      await tf.get(url);
    }
    for (let i = 0; i < total; i++) {
      if (i % 500 === 0) ctx.step(`latency: ${i} / ${total} interleaved samples`);
      const t0 = performance.now();
      await floor.hop();
      const t1 = performance.now();
      await undici.get(url);
      const t2 = performance.now();
      await tf.get(url);
      const t3 = performance.now();
      samples.floor.push((t1 - t0) * 1000);
      samples.undici.push((t2 - t1) * 1000);
      samples.tf.push((t3 - t2) * 1000);
    }
  } finally {
    await Promise.all([floor.close(), undici.close(), tf.close()]);
  }
  const size = Math.floor(total / chunks);
  const per = (values: number[]) => Array.from({ length: chunks }, (_, c) => percentile(values.slice(c * size, (c + 1) * size), 50));
  const floorChunks = per(samples.floor);
  const undiciChunks = per(samples.undici);
  const tfChunks = per(samples.tf);
  return {
    samples: total,
    floorP50: figure(floorChunks),
    undiciP50: figure(undiciChunks),
    threadfetchP50: figure(tfChunks),
    undiciP99: percentile(samples.undici, 99),
    threadfetchP99: percentile(samples.tf, 99),
    overheadInFloors: figure(tfChunks.map((tf, c) => (tf - (undiciChunks[c] as number)) / (floorChunks[c] as number))),
  };
}
