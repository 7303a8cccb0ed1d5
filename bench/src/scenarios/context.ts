/** What every scenario gets: the server, the run's size, and where to report progress. */
import type { ClientKey } from '../clients/clients.js';
import type { BenchServer } from '../support/server-process.js';

/** The run's settings and services, passed to every scenario. */
export interface Context {
  readonly server: BenchServer;
  /** `--quick`: fewer rounds and requests, the whole run in about 2-3 minutes on 2 cores. */
  readonly quick: boolean;
  /** Threads the threadfetch clients use unless a scenario sweeps them. */
  readonly workers: number;
  /** `niceIncrement` of the threadfetch workers (`--nice`); undefined: the library's default. */
  readonly nice: number | undefined;
  /** `--clients`: the clients the comparison scenarios run; without undici, the baseline, there are no ratios. */
  readonly clients: ReadonlySet<ClientKey>;
  /** `--profile DIR`: where the comparison scenarios write a main-thread CPU profile per client, in an extra pass. */
  readonly profileDir: string | undefined;
  /** Reports what is running now (the progress line). */
  readonly step: (text: string) => void;
}

/** The threadfetch client options of a run: its workers and `--nice`. */
export function tfOptions(ctx: Pick<Context, 'workers' | 'nice'>, workers = ctx.workers): { maxWorkers: number; niceIncrement?: number } {
  return ctx.nice === undefined ? { maxWorkers: workers } : { maxWorkers: workers, niceIncrement: ctx.nice };
}

/** Rounds of each measurement: each round measures every client once, in rotated order. */
export const rounds = (ctx: Pick<Context, 'quick'>): number => (ctx.quick ? 3 : 5);

/** `items` rotated by `by`, so that no client always runs first (or last) in a round. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
