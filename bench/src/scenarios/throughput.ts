/**
 * Small responses (24 bytes), 64 in flight: requests per second, the main thread's busy time per request
 * (`performance.eventLoopUtilization`), and the whole client process's CPU time per request (all its
 * threads, `process.cpuUsage`; the server runs in its own process), for each client. Ratios are taken
 * per round against undici on the main thread, then summarized.
 */
import { type Client, inFlight, makeClients } from '../clients/clients.js';
import { profiled } from '../support/profiler.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rotate, rounds } from './context.js';

/** One client's figures in the throughput scenario. */
export interface ClientThroughput {
  readonly client: string;
  readonly key: Client['key'];
  readonly perSecond: Figure;
  /** Main-thread busy microseconds per request. */
  readonly busyUs: Figure;
  /** CPU microseconds per request of the client process, all threads. */
  readonly cpuUs: Figure;
  /** Per round, over undici's; absent when undici did not run. */
  readonly throughputVsUndici: Figure | undefined;
  readonly busyVsUndici: Figure | undefined;
}

/** In flight at once, as issue 4 sets it. */
export const throughputInFlight = 64;

/** Measures every client `rounds` times, each round in a rotated order. */
export async function throughput(ctx: Context): Promise<ClientThroughput[]> {
  const clients = makeClients(['undici', 'fetch', 'threadfetch', 'naive'], ctx.clients, { workers: ctx.workers, niceIncrement: ctx.nice });
  const url = `${ctx.server.url}/small`;
  const count = ctx.quick ? 4_000 : 12_000;
  const results = new Map<string, { rps: number[]; busy: number[]; cpu: number[] }>(clients.map((c) => [c.name, { rps: [], busy: [], cpu: [] }]));
  try {
    for (const client of clients) {
      ctx.step(`throughput: warming up ${client.name}`);
      await inFlight(1_000, throughputInFlight, () => client.get(url));
    }
    for (let round = 0; round < rounds(ctx); round++) {
      for (const client of rotate(clients, round)) {
        ctx.step(`throughput: round ${round + 1}/${rounds(ctx)}, ${client.name}`);
        const before = performance.eventLoopUtilization();
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await inFlight(count, throughputInFlight, () => client.get(url));
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        const elu = performance.eventLoopUtilization(before);
        const r = results.get(client.name);
        r?.rps.push((count / ms) * 1000);
        r?.busy.push((elu.active * 1000) / count);
        r?.cpu.push((cpu.user + cpu.system) / count);
      }
    }
    const dir = ctx.profileDir;
    if (dir !== undefined) {
      for (const client of clients) {
        ctx.step(`throughput: profiling ${client.name}`);
        await profiled(dir, `throughput-${client.key}`, () => inFlight(count, throughputInFlight, () => client.get(url)));
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  const base = results.get(clients.find((c) => c.key === 'undici')?.name ?? '');
  const vs = (values: readonly number[], of: readonly number[] | undefined) => (of ? figure(values.map((v, i) => v / (of[i] as number))) : undefined);
  return clients.map((c) => {
    const r = results.get(c.name) ?? { rps: [], busy: [], cpu: [] };
    return {
      client: c.name,
      key: c.key,
      perSecond: figure(r.rps),
      busyUs: figure(r.busy),
      cpuUs: figure(r.cpu),
      throughputVsUndici: vs(r.rps, base?.rps),
      busyVsUndici: vs(r.busy, base?.busy),
    };
  });
}
