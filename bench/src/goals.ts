/** The goals of issue 4 (and of issue 17 for the `mixed` scenario), checked against the figures of one run. */
import type { Results } from './results.js';
import type { Figure } from './support/stats.js';
import { printTable } from './support/table.js';

/** One goal and what the run measured for it. */
export interface Goal {
  readonly figure: string;
  /** The unit the value and goal are in. */
  readonly unit: 'floors' | 'x' | 'ms' | '%';
  /** The median, with its spread over rounds. */
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly goal: number;
  readonly lowerIsBetter: boolean;
  readonly met: boolean;
  /** The same figure for the naive design, where it was measured. */
  readonly naive: number | undefined;
}

/**
 * The goals that the scenarios in `r` measured; on 8 or more cores the small-response throughput goal
 * is 1.5x. The mixed scenario's light p99 goal is relative: twice the light requests' p99 alone, plus 20 ms.
 */
export function goalsFor(r: Results, cores: number): Goal[] {
  const goals: Goal[] = [];
  const add = (figure: string, unit: Goal['unit'], f: Figure | undefined, goal: number, lowerIsBetter: boolean, naive?: Figure) => {
    if (f === undefined || Number.isNaN(f.median)) return;
    const met = lowerIsBetter ? f.median <= goal : f.median >= goal;
    goals.push({ figure, unit, value: f.median, min: f.min, max: f.max, goal, lowerIsBetter, met, naive: naive?.median });
  };
  const by = <T extends { key: string }>(list: readonly T[] | undefined, key: string) => list?.find((c) => c.key === key);
  const l = r.latency;
  const naiveFloors = (() => {
    const naive = l?.rows.find((row) => row.client.startsWith('naive'));
    const undici = l?.rows.find((row) => row.client.startsWith('undici'));
    const floor = l?.rows[0];
    return naive && undici && floor ? { median: (naive.p50.median - undici.p50.median) / floor.p50.median, min: 0, max: 0 } : undefined;
  })();
  add('p50 latency overhead over undici, in thread-hop floors', 'floors', l?.overheadInFloors, 1.2, true, naiveFloors);
  const tf = by(r.throughput, 'threadfetch');
  const naive = by(r.throughput, 'naive');
  add('throughput, small responses, 64 in flight, vs undici', 'x', tf?.throughputVsUndici, cores >= 8 ? 1.5 : 0.9, false, naive?.throughputVsUndici);
  add('main-thread busy time per request vs undici', 'x', tf?.busyVsUndici, 0.25, true, naive?.busyVsUndici);
  const heavy = by(r.cpuHeavy, 'threadfetch');
  const heavyNaive = by(r.cpuHeavy, 'naive');
  add('CPU-heavy throughput vs undici + the work on the main thread', 'x', heavy?.throughputVsUndici, 1.9, false, heavyNaive?.throughputVsUndici);
  add('event-loop delay p99 during the CPU-heavy run, ms', 'ms', heavy?.delayP99Ms, 3, true, heavyNaive?.delayP99Ms);
  const m = r.mixed;
  const alone = by(m?.rows, 'alone');
  const beside = by(m?.rows, 'beside');
  if (m && alone && beside) {
    const pct = (f: Figure) => ({ median: (f.median / m.lightRequests) * 100, min: (f.min / m.lightRequests) * 100, max: (f.max / m.lightRequests) * 100 });
    add('mixed: light p99 beside heavy callbacks, ms (2x alone + 20)', 'ms', beside.lightP99Ms, 2 * alone.lightP99Ms.median + 20, true);
    add(`mixed: light timeouts beside heavy callbacks (${m.lightDeadlineMs} ms deadline)`, '%', pct(beside.timeouts), 1, true);
    add('mixed: heavy reductions/s vs all on the main thread', 'x', beside.heavyVsMain, 1.5, false);
    add('mixed: event-loop delay p99 beside the light requests, ms', 'ms', beside.delayP99Ms, 3, true);
  }
  return goals;
}

const unitText = (g: Goal, v: number) =>
  g.unit === 'x' ? `${v.toFixed(2)}x` : g.unit === 'ms' ? `${v.toFixed(1)} ms` : g.unit === '%' ? `${v.toFixed(1)}%` : v.toFixed(2);

/** Prints the goals table: measured median (spread), goal, met or missed, and the naive design's figure. */
export function printGoals(goals: readonly Goal[]): void {
  if (goals.length === 0) return;
  printTable('Goals (issue 4; mixed: issue 17), threadfetch', [
    ['figure', 'measured (spread)', 'goal', '', 'naive design'],
    ...goals.map((g) => [
      g.figure,
      `${unitText(g, g.value)} (${unitText(g, g.min)}-${unitText(g, g.max)})`,
      `${g.lowerIsBetter ? '<=' : '>='} ${unitText(g, g.goal)}`,
      g.met ? 'pass' : 'MISS',
      g.naive === undefined ? '-' : unitText(g, g.naive),
    ]),
  ]);
}
