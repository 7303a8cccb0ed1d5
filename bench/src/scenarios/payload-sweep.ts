/**
 * Payload sweep, 1 KB to 10 MB: the main thread's busy time per request when it parses and reduces the
 * body itself (undici), when a callback reduces it in a worker (only the Summary crosses), and when the
 * parsed document itself comes back (`background: 'json'`). Offloading pays from the size where the
 * reducing callback costs the main thread less than doing the work, at that size and every larger one.
 */
import { inFlight, threadfetchClient, undiciClient } from '../clients/clients.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rotate, rounds, tfOptions } from './context.js';

/** The figures at one body size. */
export interface SweepPoint {
  readonly bytes: number;
  /** Main-thread busy microseconds per request. */
  readonly mainThread: Figure;
  readonly reducedInWorker: Figure;
  readonly parsedInWorker: Figure;
  /** reducedInWorker / mainThread, per round. */
  readonly reducedVsMain: Figure;
  /** parsedInWorker / mainThread, per round. */
  readonly parsedVsMain: Figure;
}

/** What {@link payloadSweep} measured. */
export interface SweepResult {
  readonly points: SweepPoint[];
  /** Smallest size from which (at it and every larger size) the reducing callback saves main-thread time; undefined if none did. */
  readonly crossoverBytes: number | undefined;
}

/** Body sizes of the sweep, bytes. */
export const sweepSizes = [1_000, 10_000, 100_000, 1_000_000, 10_000_000] as const;

/** In flight at once in the sweep. */
const lanes = 4;

async function busyPerRequest(count: number, task: () => Promise<unknown>): Promise<number> {
  const before = performance.eventLoopUtilization();
  await inFlight(count, lanes, task);
  return (performance.eventLoopUtilization(before).active * 1000) / count;
}

/** For each size, about 10 MB (`--quick`) or 30 MB of bodies per way and round, 8 to 400 requests. */
export async function payloadSweep(ctx: Context): Promise<SweepResult> {
  const undici = undiciClient();
  const tf = threadfetchClient(tfOptions(ctx));
  const points: SweepPoint[] = [];
  try {
    for (const bytes of sweepSizes) {
      const url = `${ctx.server.url}/bytes?size=${bytes}`;
      const count = Math.max(8, Math.min(400, Math.round((ctx.quick ? 10e6 : 30e6) / bytes)));
      const ways: [string, () => Promise<unknown>][] = [
        ['main', () => undici.reduce(url)],
        ['reduced', () => tf.reduce(url)],
        ['parsed', () => tf.session.get(url, { background: 'json', keepBody: false })],
      ];
      const got = new Map<string, number[]>(ways.map(([name]) => [name, []]));
      ctx.step(`payload sweep: ${bytes} bytes, warming up`);
      for (const [, task] of ways) await inFlight(lanes, lanes, task);
      for (let round = 0; round < rounds(ctx); round++) {
        for (const [name, task] of rotate(ways, round)) {
          ctx.step(`payload sweep: ${bytes} bytes, round ${round + 1}/${rounds(ctx)}, ${name}`);
          got.get(name)?.push(await busyPerRequest(count, task));
        }
      }
      const main = got.get('main') ?? [];
      const vsMain = (values: readonly number[]) => figure(values.map((v, i) => v / (main[i] as number)));
      points.push({
        bytes,
        mainThread: figure(main),
        reducedInWorker: figure(got.get('reduced') ?? []),
        parsedInWorker: figure(got.get('parsed') ?? []),
        reducedVsMain: vsMain(got.get('reduced') ?? []),
        parsedVsMain: vsMain(got.get('parsed') ?? []),
      });
    }
  } finally {
    await Promise.all([undici.close(), tf.close()]);
  }
  return { points, crossoverBytes: crossover(points) };
}

/** The smallest size from which every point's reducing callback costs the main thread less (median ratio below 1). */
export function crossover(points: readonly SweepPoint[]): number | undefined {
  let from: number | undefined;
  for (const p of points) {
    if (p.reducedVsMain.median < 1) from ??= p.bytes;
    else from = undefined;
  }
  return from;
}
