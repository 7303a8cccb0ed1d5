/**
 * CPU-heavy post-processing: each ~2 MB records document is parsed and reduced to a Summary. On the
 * main thread (undici), in threadfetch's workers (a `summarize` callback, `keepBody: false`), and in
 * the naive design's workers. Throughput, and the main thread's event-loop delay p99 while it runs
 * (`monitorEventLoopDelay`, 1 ms resolution).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, inFlight, makeClients } from '../clients/clients.js';
import { bigRecords, expectedSummary, type Summary } from '../records.js';
import { profiled } from '../support/profiler.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rotate, rounds } from './context.js';

/** One client's figures in the CPU-heavy scenario. */
export interface CpuHeavyResult {
  readonly client: string;
  readonly key: Client['key'];
  readonly perSecond: Figure;
  /** Main-thread event-loop delay p99 during the run, ms. */
  readonly delayP99Ms: Figure;
  /** Per round, over undici's; absent when undici did not run. */
  readonly throughputVsUndici: Figure | undefined;
}

/** Runs `count` reductions of `/big`, `lanes` at a time, checking each; requests per second and delay p99 (ms). */
export async function measureReductions(client: Client, url: string, count: number, lanes: number): Promise<{ rps: number; p99: number }> {
  const expected = JSON.stringify(expectedSummary(bigRecords));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  await inFlight(count, lanes, async () => {
    const summary: Summary = await client.reduce(url);
    if (JSON.stringify(summary) !== expected) throw new Error(`${client.name} computed ${JSON.stringify(summary)}, not ${expected}`);
  });
  const ms = performance.now() - started;
  await sleep(5);
  histogram.disable();
  return { rps: (count / ms) * 1000, p99: histogram.percentile(99) / 1e6 };
}

/** Every client reduces `/big` (24 times with `--quick`, else 80) per round, twice as many in flight as workers (at least 4). */
export async function cpuHeavy(ctx: Context): Promise<CpuHeavyResult[]> {
  const clients = makeClients(['undici', 'threadfetch', 'naive'], ctx.clients, { workers: ctx.workers, niceIncrement: ctx.nice });
  const url = `${ctx.server.url}/big`;
  const count = ctx.quick ? 24 : 80;
  const lanes = Math.max(4, ctx.workers * 2);
  const results = new Map<string, { rps: number[]; p99: number[] }>(clients.map((c) => [c.name, { rps: [], p99: [] }]));
  try {
    for (const client of clients) {
      ctx.step(`cpu-heavy: warming up ${client.name}`);
      await inFlight(lanes, lanes, () => client.reduce(url));
    }
    for (let round = 0; round < rounds(ctx); round++) {
      for (const client of rotate(clients, round)) {
        ctx.step(`cpu-heavy: round ${round + 1}/${rounds(ctx)}, ${client.name}`);
        const m = await measureReductions(client, url, count, lanes);
        results.get(client.name)?.rps.push(m.rps);
        results.get(client.name)?.p99.push(m.p99);
      }
    }
    const dir = ctx.profileDir;
    if (dir !== undefined) {
      for (const client of clients) {
        ctx.step(`cpu-heavy: profiling ${client.name}`);
        await profiled(dir, `cpu-heavy-${client.key}`, async () => void (await measureReductions(client, url, count, lanes)));
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  const base = results.get(clients.find((c) => c.key === 'undici')?.name ?? '');
  return clients.map((c) => {
    const r = results.get(c.name) ?? { rps: [], p99: [] };
    return {
      client: c.name,
      key: c.key,
      perSecond: figure(r.rps),
      delayP99Ms: figure(r.p99),
      throughputVsUndici: base ? figure(r.rps.map((v, i) => v / (base.rps[i] as number))) : undefined,
    };
  });
}
