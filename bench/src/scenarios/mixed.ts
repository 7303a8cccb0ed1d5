/**
 * Light requests beside heavy callbacks (issue 17). A quick upstream (`/light`, answering after 5-25 ms)
 * is called with a 300 ms deadline, 4 at a time: alone through threadfetch; through the same session
 * while it keeps 4 reductions of a ~5 MB records document going in `summarize` callbacks; and the same
 * mix entirely on the main thread. For each: the light requests' p50/p99 latency and timeouts, heavy
 * reductions per second, and the main thread's event-loop delay p99. An extra row runs the same mix
 * through a session with `ioWorkers: 0` (every worker reads responses and runs callbacks), to show
 * what the io worker buys.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { inFlight } from '../clients/clients.js';
import { documentOfSize, type Summary, summarize } from '../records.js';
import { type Figure, figure, percentile } from '../support/stats.js';
import { type Context, rotate, rounds, tfOptions } from './context.js';
import { mainThreadSide, type Side, sessionSide, type Targets } from './mixed-sides.js';

/** One row of the mixed scenario's table. */
export interface MixedRow {
  readonly name: string;
  readonly key: 'alone' | 'beside' | 'beside-no-io' | 'main';
  readonly lightP50Ms: Figure;
  readonly lightP99Ms: Figure;
  /** Light requests that hit their deadline, per round. */
  readonly timeouts: Figure;
  /** Heavy reductions per second over the window (the light requests, at least `minWindowMs`); absent for light requests alone. */
  readonly heavyPerSecond: Figure | undefined;
  readonly delayP99Ms: Figure;
  /** Light p99 over the alone row's, per round. */
  readonly p99VsAlone: Figure | undefined;
  /** Heavy reductions per second over the main thread's, per round. */
  readonly heavyVsMain: Figure | undefined;
  /** threadfetch only: each `res.timings` part of the light requests answered in time, p50 and p99 per round, ms. */
  readonly timings: readonly TimingsPart[];
}

/** One part of `res.timings` (queued, headers, ...) over a row's light requests. */
export interface TimingsPart {
  readonly part: string;
  readonly p50: Figure;
  readonly p99: Figure;
}

/** What {@link mixed} measured. */
export interface MixedResult {
  readonly lightRequests: number;
  readonly lightLanes: number;
  readonly lightDeadlineMs: number;
  readonly heavyLanes: number;
  readonly heavyBytes: number;
  /** The shortest window over which heavy reductions per second are taken, ms. */
  readonly minWindowMs: number;
  readonly rows: MixedRow[];
}

interface Sample {
  readonly p50: number;
  readonly p99: number;
  readonly timeouts: number;
  readonly heavyPerSecond: number | undefined;
  readonly delayP99: number;
  /** Per `res.timings` part: its values over the light requests answered in time. */
  readonly timings: ReadonlyMap<string, readonly number[]>;
}

const lightLanes = 4;
const heavyLanes = 4;
const heavyBytes = 5_000_000;

/**
 * Runs light requests 0 to `count - 1`, `lightLanes` at a time; every one's latency counts, a
 * timed-out one at the moment it failed. With `heavy`, `heavyLanes` reductions run beside them from
 * before the first light request (once each lane has finished one), and the mix goes on, further light
 * requests not counted, for at least `minWindowMs`: the reductions per second and the event-loop delay
 * are taken over that whole window, which a few reductions alone would make too coarse.
 */
async function measure(side: Side, count: number, heavy: ((s: Summary) => void) | undefined, minWindowMs: number): Promise<Sample> {
  let stopped = false;
  let done = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let inWindow = 0;
  let warm: () => void = () => undefined;
  const warmed = new Promise<void>((resolve) => {
    warm = resolve;
  });
  const lanes = heavy
    ? Array.from({ length: heavyLanes }, async () => {
        while (!stopped) {
          heavy(await side.heavy());
          done += 1;
          if (done === heavyLanes) warm();
          if (!stopped && performance.now() >= windowStart) inWindow += 1;
        }
      })
    : [];
  // Rejects as soon as a heavy lane fails, so that the light requests stop too; never resolves.
  const failed = new Promise<never>((_, reject) => {
    for (const lane of lanes) lane.catch(reject);
  });
  if (heavy) await Promise.race([warmed, failed]);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  windowStart = performance.now();
  const latencies: number[] = [];
  const timings = new Map<string, number[]>();
  let timeouts = 0;
  let next = 0;
  const windowEnd = windowStart + (heavy ? minWindowMs : 0);
  const lane = async () => {
    while (next < count || performance.now() < windowEnd) {
      const i = next++;
      const started = performance.now();
      const outcome = await side.light(i);
      if (i >= count) continue;
      latencies.push(performance.now() - started);
      if (!outcome.inTime) timeouts += 1;
      for (const [part, ms] of Object.entries(outcome.timings ?? {})) {
        if (part === 'total') continue;
        const values = timings.get(part) ?? [];
        values.push(ms);
        timings.set(part, values);
      }
    }
  };
  try {
    await Promise.race([Promise.all(Array.from({ length: lightLanes }, lane)), failed]);
  } finally {
    stopped = true;
  }
  const seconds = (performance.now() - windowStart) / 1000;
  await sleep(5);
  histogram.disable();
  await Promise.all(lanes);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    timeouts,
    heavyPerSecond: heavy ? inWindow / seconds : undefined,
    delayP99: histogram.percentile(99) / 1e6,
    timings,
  };
}

interface Measurement {
  readonly name: string;
  readonly key: MixedRow['key'];
  readonly side: Side;
  readonly heavy: boolean;
  readonly samples: Sample[];
}

/**
 * Each round measures every row once, in rotated order; 200 light requests per measurement (100 with
 * `--quick`), beside the heavy work for at least 4 s (2 s).
 */
export async function mixed(ctx: Context): Promise<MixedResult> {
  const count = ctx.quick ? 100 : 200;
  const minWindowMs = ctx.quick ? 2_000 : 4_000;
  const targets: Targets = {
    base: ctx.server.url,
    heavyUrl: `${ctx.server.url}/bytes?size=${heavyBytes}`,
    lightDeadlineMs: 300,
    heavyDeadlineMs: 30_000,
  };
  const expected = JSON.stringify(summarize(JSON.parse(documentOfSize(heavyBytes))));
  const check = (s: Summary) => {
    if (JSON.stringify(s) !== expected) throw new Error(`a heavy reduction gave ${JSON.stringify(s)}, not ${expected}`);
  };
  const session = sessionSide(targets, tfOptions(ctx));
  const noIo = sessionSide(targets, { ...tfOptions(ctx), ioWorkers: 0 });
  const main = mainThreadSide(targets);
  const measurements: Measurement[] = [
    { name: 'threadfetch, light requests alone', key: 'alone', side: session, heavy: false, samples: [] },
    { name: 'threadfetch, beside the heavy work (one session, defaults)', key: 'beside', side: session, heavy: true, samples: [] },
    { name: 'threadfetch, beside the heavy work, ioWorkers: 0', key: 'beside-no-io', side: noIo, heavy: true, samples: [] },
    { name: 'everything on the main thread (undici, parse there)', key: 'main', side: main, heavy: true, samples: [] },
  ];
  try {
    for (const side of [session, noIo, main]) {
      ctx.step('mixed: warming up');
      await inFlight(heavyLanes, heavyLanes, async () => check(await side.heavy()));
      let i = 0;
      await inFlight(lightLanes * 4, lightLanes, () => side.light(i++));
    }
    for (let round = 0; round < rounds(ctx); round++) {
      for (const m of rotate(measurements, round)) {
        ctx.step(`mixed: round ${round + 1}/${rounds(ctx)}, ${m.name}`);
        m.samples.push(await measure(m.side, count, m.heavy ? check : undefined, minWindowMs));
      }
    }
  } finally {
    await Promise.all([session.close(), noIo.close(), main.close()]);
  }
  const alone = measurements.find((m) => m.key === 'alone')?.samples ?? [];
  const onMain = measurements.find((m) => m.key === 'main')?.samples ?? [];
  const rows = measurements.map((m): MixedRow => {
    const heavy = m.samples.map((s) => s.heavyPerSecond ?? Number.NaN);
    return {
      name: m.name,
      key: m.key,
      lightP50Ms: figure(m.samples.map((s) => s.p50)),
      lightP99Ms: figure(m.samples.map((s) => s.p99)),
      timeouts: figure(m.samples.map((s) => s.timeouts)),
      heavyPerSecond: m.heavy ? figure(heavy) : undefined,
      delayP99Ms: figure(m.samples.map((s) => s.delayP99)),
      p99VsAlone: m.key === 'alone' ? undefined : figure(m.samples.map((s, i) => s.p99 / (alone[i]?.p99 ?? Number.NaN))),
      heavyVsMain: m.heavy ? figure(heavy.map((v, i) => v / (onMain[i]?.heavyPerSecond ?? Number.NaN))) : undefined,
      timings: [...(m.samples[0]?.timings.keys() ?? [])].map((part) => {
        const values = m.samples.map((s) => s.timings.get(part) ?? []);
        return { part, p50: figure(values.map((v) => percentile(v, 50))), p99: figure(values.map((v) => percentile(v, 99))) };
      }),
    };
  });
  return { lightRequests: count, lightLanes, lightDeadlineMs: targets.lightDeadlineMs, heavyLanes, heavyBytes, minWindowMs, rows };
}
