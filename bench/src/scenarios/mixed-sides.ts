/**
 * The two ways the `mixed` scenario makes its light and heavy requests: through one threadfetch
 * session (the heavy reduction in a `summarize` callback, `keepBody: false`), or everything on the
 * main thread (undici `request`, `JSON.parse` and the reduction there). A light request that misses
 * its deadline counts as a timeout; any other failure stops the run.
 */
import { FuturesSession, type SessionOptions, TimeoutError, type Timings } from '@threadfetch/core';
import { Agent, request } from 'undici';
import { type Summary, summarize } from '../records.js';

/** How a light request ended: in time (with threadfetch's `res.timings`), or at its deadline. */
export interface LightOutcome {
  readonly inTime: boolean;
  readonly timings?: Timings;
}

/** One side of the comparison. */
export interface Side {
  /** Light request `i`. */
  light(i: number): Promise<LightOutcome>;
  /** One reduction of the heavy document. */
  heavy(): Promise<Summary>;
  close(): Promise<void>;
}

/** What both sides request, and the deadlines. */
export interface Targets {
  /** The server's base URL. */
  readonly base: string;
  /** The heavy document's URL. */
  readonly heavyUrl: string;
  /** Deadline of each light request, ms. */
  readonly lightDeadlineMs: number;
  /** Deadline of each heavy request, ms: a bound, not a measurement. */
  readonly heavyDeadlineMs: number;
}

const lightUrl = (t: Targets, i: number) => `${t.base}/light?i=${i}`;

function checkLight(i: number, body: unknown): void {
  if ((body as { i?: unknown }).i !== i) throw new Error(`light request ${i} got ${JSON.stringify(body)}`);
}

/** One threadfetch session for both kinds, as a user would make it: `options` on top of the callbacks module. */
export function sessionSide(t: Targets, options: SessionOptions): Side {
  const session = new FuturesSession<typeof import('../callbacks.js')>({ callbacks: new URL('../callbacks.js', import.meta.url), ...options });
  return {
    async light(i) {
      try {
        const res = await session.get(lightUrl(t, i), { timeout: t.lightDeadlineMs });
        checkLight(i, res.json());
        return { inTime: true, timings: res.timings };
      } catch (error) {
        if (error instanceof TimeoutError) return { inTime: false };
        throw error;
      }
    },
    async heavy() {
      return (await session.get(t.heavyUrl, { background: 'summarize', keepBody: false, timeout: t.heavyDeadlineMs })).data;
    },
    close: () => session.close(),
  };
}

/** undici on the main thread for both kinds; the heavy body parsed and reduced on the main thread. */
export function mainThreadSide(t: Targets): Side {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  return {
    async light(i) {
      const signal = AbortSignal.timeout(t.lightDeadlineMs);
      try {
        const res = await request(lightUrl(t, i), { dispatcher: agent, signal });
        checkLight(i, await res.body.json());
        return { inTime: true };
      } catch (error) {
        if (signal.aborted) return { inTime: false };
        throw error;
      }
    },
    async heavy() {
      const res = await request(t.heavyUrl, { dispatcher: agent, signal: AbortSignal.timeout(t.heavyDeadlineMs) });
      return summarize(await res.body.json());
    },
    close: () => agent.close(),
  };
}
