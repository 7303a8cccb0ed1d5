/**
 * Payload sweep, 1 KB to 10 MB: the main thread's busy time per request when it parses and reduces the
 * body itself (undici), when a callback reduces it in a worker (only the Summary crosses), and when the
 * parsed document itself comes back (`background: 'json'`). Offloading pays from the size where the
 * reducing callback costs the main thread less than doing the work.
 */
import { type Client, inFlight, threadfetchClient, undiciClient } from '../clients/clients.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rotate, rounds, tfOptions } from './context.js';

export interface SweepPoint {
  readonly bytes: number;
  /** Main-thread busy microseconds per request. */
  readonly mainThread: Figure;
  readonly reducedInWorker: Figure;
  readonly parsedInWorker: Figure;
}

export interface SweepResult {
  readonly points: SweepPoint[];
  /** Smallest size at which the reducing callback saves main-thread time; undefined if none did. */
  readonly crossoverBytes: number | undefined;
}

const sizes = [1_000, 10_000, 100_000, 1_000_000, 10_000_000];

async function busyPerRequest(count: number, task: () => Promise<unknown>): Promise<number> {
  const before = performance.eventLoopUtilization();
  await inFlight(count, 4, task);
  return (performance.eventLoopUtilization(before).active * 1000) / count;
}

export async function payloadSweep(ctx: Context): Promise<SweepResult> {
  const undici = undiciClient();
  const tf = threadfetchClient(tfOptions(ctx));
  const points: SweepPoint[] = [];
  try {
    for (const bytes of sizes) {
      const url = `${ctx.server.url}/bytes?size=${bytes}`;
      const count = Math.max(8, Math.min(400, Math.round((ctx.quick ? 10e6 : 30e6) / bytes)));
      const ways: [string, () => Promise<unknown>][] = [
        ['main', () => undici.reduce(url)],
        ['reduced', () => tf.reduce(url)],
        ['parsed', () => tf.session.get(url, { background: 'json', keepBody: false })],
      ];
      const got = new Map<string, number[]>(ways.map(([name]) => [name, []]));
      for (const [, task] of ways) await inFlight(4, 4, task as () => Promise<Client>);
      for (let round = 0; round < rounds(ctx); round++) {
        for (const [name, task] of rotate(ways, round)) {
          ctx.step(`payload sweep: ${bytes} bytes, round ${round + 1}/${rounds(ctx)}, ${name}`);
          got.get(name)?.push(await busyPerRequest(count, task));
        }
      }
      points.push({
        bytes,
        mainThread: figure(got.get('main') ?? []),
        reducedInWorker: figure(got.get('reduced') ?? []),
        parsedInWorker: figure(got.get('parsed') ?? []),
      });
    }
  } finally {
    await Promise.all([undici.close(), tf.close()]);
  }
  return { points, crossoverBytes: points.find((p) => p.reducedInWorker.median < p.mainThread.median)?.bytes };
}
