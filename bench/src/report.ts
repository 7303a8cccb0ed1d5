/** The harness's tables, and the goals of issue 4 checked against the measured ratios. */
import type { CpuHeavyResult } from './scenarios/cpu-heavy.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { SweepResult } from './scenarios/payload-sweep.js';
import type { PeerResult } from './scenarios/peers.js';
import type { ClientThroughput } from './scenarios/throughput.js';
import type { UserEndpointResult } from './scenarios/user-endpoint.js';
import type { WorkersPoint } from './scenarios/workers-sweep.js';
import { type Figure, show } from './support/stats.js';
import { printTable, ratio } from './support/table.js';

interface Results {
  readonly latency?: LatencyResult;
  readonly throughput?: ClientThroughput[];
  readonly cpuHeavy?: CpuHeavyResult[];
  readonly payloadSweep?: SweepResult;
  readonly workersSweep?: { mainThread: Figure; points: WorkersPoint[] };
  readonly peers?: PeerResult[];
  readonly userEndpoint?: UserEndpointResult;
}

const showRatio = (f: Figure) => `${ratio(f.median)} (${f.min.toFixed(2)}-${f.max.toFixed(2)})`;

export function printResults(r: Results): void {
  if (r.latency) {
    const l = r.latency;
    printTable(`Sequential latency, ${l.samples} samples each, interleaved (p50 in us: median of 5 chunks, spread)`, [
      ['', 'p50 us', 'p99 us'],
      ['thread-hop floor (postMessage round trip)', show(l.floorP50), ''],
      ['undici (main thread)', show(l.undiciP50), l.undiciP99.toFixed(0)],
      ['threadfetch', show(l.threadfetchP50), l.threadfetchP99.toFixed(0)],
      ['threadfetch overhead, in floors', show(l.overheadInFloors, 2), ''],
    ]);
  }
  if (r.throughput) {
    printTable('Small responses, 64 in flight (median of rounds, spread; ratios per round vs undici)', [
      ['', 'requests/s', 'vs undici', 'main busy us/req', 'vs undici'],
      ...r.throughput.map((c) => [c.client, show(c.perSecond, 0), showRatio(c.throughputVsUndici), show(c.busyUs), showRatio(c.busyVsUndici)]),
    ]);
  }
  if (r.cpuHeavy) {
    printTable('CPU-heavy: ~2 MB JSON parsed and reduced per request', [
      ['', 'requests/s', 'vs undici + main-thread work', 'event-loop delay p99 ms'],
      ...r.cpuHeavy.map((c) => [c.client, show(c.perSecond), showRatio(c.throughputVsUndici), show(c.delayP99Ms)]),
    ]);
  }
  if (r.payloadSweep) {
    const s = r.payloadSweep;
    printTable('Payload sweep: main-thread busy us per request', [
      ['body bytes', 'parse + reduce on main', 'reduced in a worker', 'parsed in a worker, sent back'],
      ...s.points.map((p) => [String(p.bytes), show(p.mainThread, 0), show(p.reducedInWorker, 0), show(p.parsedInWorker, 0)]),
    ]);
    console.log(
      s.crossoverBytes === undefined
        ? 'Offloading a reducing callback saved no main-thread time at these sizes.'
        : `Offloading a reducing callback saves main-thread time from ${s.crossoverBytes} bytes up.`,
    );
  }
  if (r.workersSweep) {
    printTable(`Worker-count sweep, CPU-heavy (main thread alone: ${show(r.workersSweep.mainThread)} requests/s)`, [
      ['workers', 'requests/s', 'vs main thread'],
      ...r.workersSweep.points.map((p) => [String(p.workers), show(p.perSecond), showRatio(p.vsMainThread)]),
    ]);
  }
  if (r.peers) {
    printTable('Peers (Python), small responses, 64 in flight', [['', 'requests/s'], ...r.peers.map((p) => [p.client, String(p.perSecond)])]);
  }
  if (r.userEndpoint) {
    const u = r.userEndpoint;
    printTable(`Your endpoint ${u.url}${u.background ? ` with background '${u.background}'` : ''}`, [
      ['', 'p50 latency us', 'requests/s (16 in flight)', 'main busy us/req'],
      ['undici (main thread)', u.latencyP50Us.undici.toFixed(0), show(u.perSecond.undici, 0), show(u.busyUs.undici)],
      ['threadfetch', u.latencyP50Us.threadfetch.toFixed(0), show(u.perSecond.threadfetch, 0), show(u.busyUs.threadfetch)],
    ]);
  }
}

export interface Goal {
  readonly figure: string;
  readonly value: number;
  readonly goal: number;
  readonly lowerIsBetter: boolean;
  readonly met: boolean;
}

/** Issue 4's goals; on 8 or more cores the throughput goal is 1.5x. */
export function goalsFor(r: Results, cores: number): Goal[] {
  const goals: Goal[] = [];
  const add = (figure: string, value: number | undefined, goal: number, lowerIsBetter: boolean) => {
    if (value === undefined || Number.isNaN(value)) return;
    goals.push({ figure, value, goal, lowerIsBetter, met: lowerIsBetter ? value <= goal : value >= goal });
  };
  const tf = (list: readonly { client: string }[] | undefined) => list?.find((c) => c.client === 'threadfetch');
  add('p50 overhead vs undici, in floors', r.latency?.overheadInFloors.median, 1.2, true);
  add(
    'throughput vs undici, small, 64 in flight',
    (tf(r.throughput) as ClientThroughput | undefined)?.throughputVsUndici.median,
    cores >= 8 ? 1.5 : 0.9,
    false,
  );
  add('main-thread busy per request vs undici', (tf(r.throughput) as ClientThroughput | undefined)?.busyVsUndici.median, 0.25, true);
  add('CPU-heavy throughput vs main thread', (tf(r.cpuHeavy) as CpuHeavyResult | undefined)?.throughputVsUndici.median, 1.9, false);
  add('event-loop delay p99 in CPU-heavy, ms', (tf(r.cpuHeavy) as CpuHeavyResult | undefined)?.delayP99Ms.median, 3, true);
  if (goals.length > 0) {
    printTable('Goals (issue 4)', [
      ['figure', 'measured', 'goal', ''],
      ...goals.map((g) => [g.figure, g.value.toFixed(2), `${g.lowerIsBetter ? '<=' : '>='} ${g.goal}`, g.met ? 'met' : 'MISSED']),
    ]);
  }
  return goals;
}
