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

export interface Client {
  readonly name: string;
  /** GET the URL and read the whole body. */
  get(url: string): Promise<void>;
  /** GET a records document and reduce it (where the client does its work). */
  reduce(url: string): Promise<Summary>;
  close(): Promise<void>;
}

/** undici `request` on the main thread; parsing and reducing on the main thread too. */
export function undiciClient(connections = 128): Client {
  const agent = new Agent({ connections, keepAliveTimeout: 10_000 });
  return {
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

/** The global `fetch` on the main thread. */
export function fetchClient(): Client {
  return {
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

export interface ThreadfetchClientOptions {
  readonly maxWorkers?: number;
  readonly niceIncrement?: number;
}

/** threadfetch: the reduction runs in the worker (`summarize` callback) and only the Summary comes back. */
export function threadfetchClient(options: ThreadfetchClientOptions = {}): Client & { session: FuturesSession<typeof import('../callbacks.js')> } {
  const session = new FuturesSession<typeof import('../callbacks.js')>({
    callbacks: new URL('../callbacks.js', import.meta.url),
    maxWorkers: options.maxWorkers ?? Math.min(availableParallelism(), 16),
    concurrencyPerWorker: 256,
    timeout: 120_000,
    ...(options.niceIncrement === undefined ? {} : { niceIncrement: options.niceIncrement }),
  });
  return {
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

/** The naive design: one Piscina task per request, undici in the worker. */
export function naiveClient(maxWorkers = Math.min(availableParallelism(), 16)): Client {
  const pool = new Piscina({
    filename: new URL('../baselines/naive-worker.js', import.meta.url).href,
    minThreads: maxWorkers,
    maxThreads: maxWorkers,
    concurrentTasksPerWorker: 256,
  });
  return {
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

/** Runs `task` `total` times, at most `inFlight` at a time. */
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
