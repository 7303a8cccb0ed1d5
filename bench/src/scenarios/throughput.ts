/**
 * Small responses, 64 in flight: requests per second, and the main thread's busy time per request
 * (`performance.eventLoopUtilization`), for each client; ratios are per round, against undici.
 */
import { type Client, fetchClient, inFlight, naiveClient, threadfetchClient, undiciClient } from '../clients/clients.js';
import { type Figure, figure } from '../support/stats.js';
import { type Context, rotate, rounds, tfOptions } from './context.js';

export interface ClientThroughput {
  readonly client: string;
  readonly perSecond: Figure;
  /** Main-thread busy microseconds per request. */
  readonly busyUs: Figure;
  readonly throughputVsUndici: Figure;
  readonly busyVsUndici: Figure;
}

export async function throughput(ctx: Context): Promise<ClientThroughput[]> {
  const clients: Client[] = [undiciClient(), fetchClient(), threadfetchClient(tfOptions(ctx)), naiveClient(ctx.workers)];
  const url = `${ctx.server.url}/small`;
  const count = ctx.quick ? 4_000 : 12_000;
  const results = new Map<string, { rps: number[]; busy: number[] }>(clients.map((c) => [c.name, { rps: [], busy: [] }]));
  try {
    for (const client of clients) await inFlight(1_000, 64, () => client.get(url));
    for (let round = 0; round < rounds(ctx); round++) {
      for (const client of rotate(clients, round)) {
        ctx.step(`throughput: round ${round + 1}/${rounds(ctx)}, ${client.name}`);
        const before = performance.eventLoopUtilization();
        const started = performance.now();
        await inFlight(count, 64, () => client.get(url));
        const ms = performance.now() - started;
        const elu = performance.eventLoopUtilization(before);
        const r = results.get(client.name);
        r?.rps.push((count / ms) * 1000);
        r?.busy.push((elu.active * 1000) / count);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  const base = results.get(clients[0]?.name ?? '') ?? { rps: [], busy: [] };
  return clients.map((c) => {
    const r = results.get(c.name) ?? { rps: [], busy: [] };
    return {
      client: c.name,
      perSecond: figure(r.rps),
      busyUs: figure(r.busy),
      throughputVsUndici: figure(r.rps.map((v, i) => v / (base.rps[i] as number))),
      busyVsUndici: figure(r.busy.map((v, i) => v / (base.busy[i] as number))),
    };
  });
}
