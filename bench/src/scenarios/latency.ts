/**
 * Sequential latency, one request at a time. The floor (a bare postMessage round trip to a worker),
 * undici on the main thread, fetch on the main thread, threadfetch and the naive design are sampled
 * interleaved, in one loop, so that all of them see the same machine. threadfetch's overhead is its
 * p50 minus undici's, counted in floors (issue 4's goal: at most 1.2).
 */
import { startFloor } from '../baselines/floor.js';
import { type Client, makeClients } from '../clients/clients.js';
import { type Figure, figure, percentile } from '../support/stats.js';
import type { Context } from './context.js';

/** One row of the latency table. */
export interface LatencyRow {
  readonly client: string;
  /** p50 of each chunk of samples, microseconds: the median chunk and the spread. */
  readonly p50: Figure;
  /** p99 of each chunk, microseconds. */
  readonly p99: Figure;
  /** p50 over undici's p50, per chunk (absent for the floor). */
  readonly vsUndici: Figure | undefined;
}

/** What {@link latency} measured. */
export interface LatencyResult {
  readonly samples: number;
  readonly chunks: number;
  /** The floor first, then the clients. */
  readonly rows: LatencyRow[];
  /** (threadfetch p50 - undici p50) / floor p50, per chunk; absent without threadfetch. */
  readonly overheadInFloors: Figure | undefined;
}

const floorName = 'thread-hop floor (postMessage round trip)';

/** Samples every client's latency in turn, `--quick` 2,000 times, else 6,000, after a warm-up of 300. */
export async function latency(ctx: Context): Promise<LatencyResult> {
  const floor = await startFloor();
  const clients: Client[] = makeClients(['undici', 'fetch', 'threadfetch', 'naive'], ctx.clients, { workers: ctx.workers, niceIncrement: ctx.nice });
  const url = `${ctx.server.url}/small`;
  const total = ctx.quick ? 2_000 : 6_000;
  const chunks = 5;
  const samples: number[][] = [[], ...clients.map(() => [])];
  try {
    for (let i = 0; i < 300; i++) {
      await floor.hop();
      for (const client of clients) await client.get(url);
    }
    for (let i = 0; i < total; i++) {
      if (i % 500 === 0) ctx.step(`latency: ${i} / ${total} interleaved samples`);
      let t0 = performance.now();
      await floor.hop();
      let t1 = performance.now();
      samples[0]?.push((t1 - t0) * 1000);
      for (const [c, client] of clients.entries()) {
        t0 = t1;
        await client.get(url);
        t1 = performance.now();
        samples[c + 1]?.push((t1 - t0) * 1000);
      }
    }
  } finally {
    await Promise.all([floor.close(), ...clients.map((c) => c.close())]);
  }
  const size = Math.floor(total / chunks);
  const per = (values: readonly number[], p: number) => Array.from({ length: chunks }, (_, c) => percentile(values.slice(c * size, (c + 1) * size), p));
  const p50s = samples.map((s) => per(s, 50));
  const undiciAt = clients.findIndex((c) => c.key === 'undici') + 1;
  const tfAt = clients.findIndex((c) => c.key === 'threadfetch') + 1;
  const undici = undiciAt === 0 ? undefined : p50s[undiciAt];
  const floorP50 = p50s[0] ?? [];
  const rows = [floorName, ...clients.map((c) => c.name)].map((client, i) => ({
    client,
    p50: figure(p50s[i] ?? []),
    p99: figure(per(samples[i] ?? [], 99)),
    vsUndici: i === 0 || !undici ? undefined : figure((p50s[i] ?? []).map((v, c) => v / (undici[c] as number))),
  }));
  const tf = p50s[tfAt];
  return {
    samples: total,
    chunks,
    rows,
    overheadInFloors: tfAt === 0 || !tf || !undici ? undefined : figure(tf.map((v, c) => (v - (undici[c] as number)) / (floorP50[c] as number))),
  };
}
