/**
 * `--url URL [--callbacks MODULE --background NAME]`: what offloading costs and saves on the user's own
 * service. Sequential latency (interleaved) and 16-in-flight throughput of undici on the main thread
 * (reading the body, and `JSON.parse` when a callback is named) against threadfetch (with the callback,
 * if named, and `keepBody: false`). Every request has a 30 s deadline; the first failure stops the run.
 */
import { FuturesSession } from '@threadfetch/core';
import { Agent, request } from 'undici';
import { inFlight } from '../clients/clients.js';
import { type Figure, figure, percentile } from '../support/stats.js';
import { type Context, tfOptions } from './context.js';

/** The endpoint and, optionally, the callback that reduces its responses. */
export interface UserEndpointOptions {
  readonly url: string;
  /** A file: URL of the callbacks module. */
  readonly callbacks: URL | undefined;
  readonly background: string | undefined;
}

/** What {@link userEndpoint} measured. */
export interface UserEndpointResult {
  readonly url: string;
  readonly background: string | undefined;
  readonly latencyP50Us: { readonly undici: number; readonly threadfetch: number };
  readonly latencyP99Us: { readonly undici: number; readonly threadfetch: number };
  readonly perSecond: { readonly undici: Figure; readonly threadfetch: Figure };
  readonly busyUs: { readonly undici: Figure; readonly threadfetch: Figure };
}

const timeoutMs = 30_000;
const lanes = 16;

/** 200 (`--quick`) or 1,000 sequential samples each, then 3 rounds of as many requests 16 in flight. */
export async function userEndpoint(ctx: Pick<Context, 'quick' | 'workers' | 'nice' | 'step'>, options: UserEndpointOptions): Promise<UserEndpointResult> {
  const agent = new Agent({ connections: lanes, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const session = new FuturesSession({ ...tfOptions(ctx), timeout: timeoutMs, ...(options.callbacks ? { callbacks: options.callbacks } : {}) });
  const parse = options.background !== undefined;
  const onMain = async () => {
    const res = await request(options.url, { dispatcher: agent });
    if (res.statusCode >= 400) throw new Error(`undici: ${options.url} answered ${res.statusCode}`);
    if (parse) JSON.parse(await res.body.text());
    else await res.body.arrayBuffer();
  };
  const offloaded = async () => {
    const res = await session.get(options.url, options.background ? { background: options.background, keepBody: false } : {});
    if (res.status >= 400) throw new Error(`threadfetch: ${options.url} answered ${res.status}`);
  };
  const n = ctx.quick ? 200 : 1_000;
  const lat = { undici: [] as number[], tf: [] as number[] };
  const rps = { undici: [] as number[], tf: [] as number[] };
  const busy = { undici: [] as number[], tf: [] as number[] };
  try {
    await onMain();
    await offloaded();
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
      const ways = [
        ['undici', onMain],
        ['tf', offloaded],
      ] as const;
      for (const [name, task] of round % 2 === 0 ? ways : [...ways].reverse()) {
        ctx.step(`your endpoint: throughput round ${round + 1}/3, ${name === 'tf' ? 'threadfetch' : name}`);
        const before = performance.eventLoopUtilization();
        const started = performance.now();
        await inFlight(n, lanes, task);
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
    latencyP99Us: { undici: percentile(lat.undici, 99), threadfetch: percentile(lat.tf, 99) },
    perSecond: { undici: figure(rps.undici), threadfetch: figure(rps.tf) },
    busyUs: { undici: figure(busy.undici), threadfetch: figure(busy.tf) },
  };
}
