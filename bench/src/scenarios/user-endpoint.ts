/**
 * `--url URL [--callbacks MODULE --background NAME]`: what offloading costs and saves on the user's own
 * service. Sequential latency and 16-in-flight throughput of undici on the main thread (reading the
 * body, and `JSON.parse` when a callback is named) against threadfetch (with the callback, if named).
 */
import { FuturesSession } from '@threadfetch/core';
import { Agent, request } from 'undici';
import { inFlight } from '../clients/clients.js';
import { type Figure, figure, percentile } from '../support/stats.js';
import type { Context } from './context.js';

export interface UserEndpointOptions {
  readonly url: string;
  readonly callbacks: string | undefined;
  readonly background: string | undefined;
}

export interface UserEndpointResult {
  readonly url: string;
  readonly background: string | undefined;
  readonly latencyP50Us: { readonly undici: number; readonly threadfetch: number };
  readonly perSecond: { readonly undici: Figure; readonly threadfetch: Figure };
  readonly busyUs: { readonly undici: Figure; readonly threadfetch: Figure };
}

export async function userEndpoint(ctx: Omit<Context, 'server'>, options: UserEndpointOptions): Promise<UserEndpointResult> {
  const agent = new Agent({ connections: 16 });
  const session = new FuturesSession({ maxWorkers: ctx.workers, ...(options.callbacks ? { callbacks: options.callbacks } : {}) });
  const parse = options.background !== undefined;
  const onMain = async () => {
    const res = await request(options.url, { dispatcher: agent });
    if (parse) JSON.parse(await res.body.text());
    else await res.body.arrayBuffer();
  };
  const offloaded = async () => {
    await session.get(options.url, options.background ? { background: options.background, keepBody: false } : {});
  };
  const n = ctx.quick ? 200 : 1_000;
  const lat = { undici: [] as number[], tf: [] as number[] };
  const rps = { undici: [] as number[], tf: [] as number[] };
  const busy = { undici: [] as number[], tf: [] as number[] };
  try {
    for (let i = 0; i < n; i++) {
      if (i % 100 === 0) ctx.step(`your endpoint: latency ${i} / ${n}`);
      const t0 = performance.now();
      await onMain();
      const t1 = performance.now();
      await offloaded();
      lat.undici.push((t1 - t0) * 1000);
      lat.tf.push((performance.now() - t1) * 1000);
    }
    for (let round = 0; round < 3; round++) {
      for (const [name, task] of [
        ['undici', onMain],
        ['tf', offloaded],
      ] as const) {
        ctx.step(`your endpoint: throughput round ${round + 1}/3, ${name}`);
        const before = performance.eventLoopUtilization();
        const started = performance.now();
        await inFlight(n, 16, task);
        rps[name].push((n / (performance.now() - started)) * 1000);
        busy[name].push((performance.eventLoopUtilization(before).active * 1000) / n);
      }
    }
  } finally {
    await Promise.all([agent.close(), session.close()]);
  }
  return {
    url: options.url,
    background: options.background,
    latencyP50Us: { undici: percentile(lat.undici, 50), threadfetch: percentile(lat.tf, 50) },
    perSecond: { undici: figure(rps.undici), threadfetch: figure(rps.tf) },
    busyUs: { undici: figure(busy.undici), threadfetch: figure(busy.tf) },
  };
}
