/**
 * The clients every scenario compares, each doing the same work per request: fetch a URL and read the
 * body, or fetch a records document and reduce it to a Summary.
 */
import { availableParallelism } from 'node:os';
import { FuturesSession } from '@threadfetch/core';
import { Piscina } from 'piscina';
import { Agent, request } from 'undici';
import type { NaiveTask } from '../baselines/naive-worker.js';
import { type Summary, summarize } from '../records.js';

/** Short names of the clients, as `--clients` takes them. */
export const clientKeys = ['undici', 'fetch', 'threadfetch', 'naive'] as const;
/** One of {@link clientKeys}. */
export type ClientKey = (typeof clientKeys)[number];

/** One way of making requests, measured against the others. */
export interface Client {
  readonly key: ClientKey;
  /** The name printed in the tables. */
  readonly name: string;
  /** GET the URL and read the whole body. */
  get(url: string): Promise<void>;
  /** GET a records document and reduce it (where the client does its work). */
  reduce(url: string): Promise<Summary>;
  close(): Promise<void>;
}

/** Default thread count of the worker-based clients: the cores, at most 16. */
export const defaultWorkers = (): number => Math.min(availableParallelism(), 16);

/** undici `request` on the main thread; parsing and reducing on the main thread too. */
export function undiciClient(connections = 128): Client {
  const agent = new Agent({ connections, keepAliveTimeout: 10_000 });
  return {
    key: 'undici',
    name: 'undici (main thread)',
    async get(url) {
      const res = await request(url, { dispatcher: agent });
      await res.body.arrayBuffer();
    },
    async reduce(url) {
      const res = await request(url, { dispatcher: agent });
      return summarize(await res.body.json());
    },
    close: () => agent.close(),
  };
}

/** The global `fetch` on the main thread (Node's bundled undici). */
export function fetchClient(): Client {
  return {
    key: 'fetch',
    name: 'fetch (main thread)',
    async get(url) {
      await (await fetch(url)).arrayBuffer();
    },
    async reduce(url) {
      return summarize(await (await fetch(url)).json());
    },
    close: async () => undefined,
  };
}

/** Options of {@link threadfetchClient}. */
export interface ThreadfetchClientOptions {
  readonly maxWorkers?: number;
  readonly niceIncrement?: number;
}

/** A threadfetch client, with its session for scenarios that call it directly. */
export type ThreadfetchClient = Client & { readonly session: FuturesSession<typeof import('../callbacks.js')> };

/** threadfetch: `get` brings the body back; `reduce` runs the `summarize` callback in the worker and only the Summary comes back. */
export function threadfetchClient(options: ThreadfetchClientOptions = {}): ThreadfetchClient {
  const session = new FuturesSession<typeof import('../callbacks.js')>({
    callbacks: new URL('../callbacks.js', import.meta.url),
    maxWorkers: options.maxWorkers ?? defaultWorkers(),
    concurrencyPerWorker: 256,
    timeout: 120_000,
    ...(options.niceIncrement === undefined ? {} : { niceIncrement: options.niceIncrement }),
  });
  return {
    key: 'threadfetch',
    name: 'threadfetch',
    session,
    async get(url) {
      await session.get(url);
    },
    async reduce(url) {
      return (await session.get(url, { background: 'summarize', keepBody: false })).data;
    },
    close: () => session.close(),
  };
}

/** The naive design (baselines/naive-worker.ts): one Piscina task per request, undici in the worker. */
export function naiveClient(maxWorkers = defaultWorkers()): Client {
  const pool = new Piscina({
    filename: new URL('../baselines/naive-worker.js', import.meta.url).href,
    minThreads: maxWorkers,
    maxThreads: maxWorkers,
    concurrentTasksPerWorker: 256,
  });
  return {
    key: 'naive',
    name: 'naive (a Piscina task per request)',
    async get(url) {
      await pool.run({ url, reduce: false } satisfies NaiveTask);
    },
    async reduce(url) {
      return (await pool.run({ url, reduce: true } satisfies NaiveTask)) as Summary;
    },
    close: () => pool.destroy(),
  };
}

/** Makes the clients named in `keys` that `wanted` allows, in the order of `keys`. */
export function makeClients(
  keys: readonly ClientKey[],
  wanted: ReadonlySet<ClientKey>,
  options: { readonly workers: number; readonly niceIncrement?: number | undefined },
): Client[] {
  const make: Record<ClientKey, () => Client> = {
    undici: () => undiciClient(),
    fetch: () => fetchClient(),
    threadfetch: () =>
      threadfetchClient(
        options.niceIncrement === undefined ? { maxWorkers: options.workers } : { maxWorkers: options.workers, niceIncrement: options.niceIncrement },
      ),
    naive: () => naiveClient(options.workers),
  };
  return keys.filter((k) => wanted.has(k)).map((k) => make[k]());
}

/** Runs `task` `total` times, at most `lanes` at a time. */
export async function inFlight(total: number, lanes: number, task: () => Promise<unknown>): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started += 1;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, total) }, lane));
}
