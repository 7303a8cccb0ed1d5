/** The harness's tables: one per scenario, each figure as its median over rounds with the spread, and its ratio to the baseline. */
import type { Results } from './results.js';
import { type Figure, show } from './support/stats.js';
import { printTable, ratio } from './support/table.js';

/** `0.64x (0.35-0.91)`. */
export const showRatio = (f: Figure | undefined): string => (f === undefined ? '' : `${ratio(f.median)} (${f.min.toFixed(2)}-${f.max.toFixed(2)})`);

/** Prints a table for every scenario in `r`. */
export function printResults(r: Results): void {
  if (r.latency) {
    const l = r.latency;
    printTable(`Sequential latency, ${l.samples} samples each, interleaved (us; median of ${l.chunks} chunks' percentiles, spread)`, [
      ['', 'p50 us', 'p99 us', 'p50 vs undici'],
      ...l.rows.map((row) => [row.client, show(row.p50), show(row.p99, 0), showRatio(row.vsUndici)]),
      ...(l.overheadInFloors ? [['threadfetch p50 overhead over undici, in floors', show(l.overheadInFloors, 2), '', '']] : []),
    ]);
  }
  if (r.throughput) {
    printTable('Small responses, 64 in flight (median of rounds, spread; ratios per round vs undici)', [
      ['', 'requests/s', 'vs undici', 'main busy us/req', 'vs undici', 'process CPU us/req'],
      ...r.throughput.map((c) => [c.client, show(c.perSecond, 0), showRatio(c.throughputVsUndici), show(c.busyUs), showRatio(c.busyVsUndici), show(c.cpuUs)]),
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
    printTable('Payload sweep: main-thread busy us per request (4 in flight)', [
      ['body bytes', 'parse + reduce on main', 'reduced in a worker', 'vs main', 'parsed in a worker, sent back', 'vs main'],
      ...s.points.map((p) => [
        p.bytes.toLocaleString('en'),
        show(p.mainThread, 0),
        show(p.reducedInWorker, 0),
        showRatio(p.reducedVsMain),
        show(p.parsedInWorker, 0),
        showRatio(p.parsedVsMain),
      ]),
    ]);
    console.log(
      s.crossoverBytes === undefined
        ? 'Crossover: offloading a reducing callback did not save main-thread time at every size of the sweep.'
        : `Crossover: offloading a reducing callback saves main-thread time from ${s.crossoverBytes.toLocaleString('en')} bytes up.`,
    );
  }
  if (r.workersSweep) {
    printTable(`Worker-count sweep, CPU-heavy (main thread alone: ${show(r.workersSweep.mainThread)} requests/s)`, [
      ['workers', 'requests/s', 'vs main thread', 'event-loop delay p99 ms'],
      ...r.workersSweep.points.map((p) => [String(p.workers), show(p.perSecond), showRatio(p.vsMainThread), show(p.delayP99Ms)]),
    ]);
  }
  if (r.mixed) {
    const m = r.mixed;
    const timeouts = (f: Figure) => `${f.median.toFixed(0)} (${f.min.toFixed(0)}-${f.max.toFixed(0)}) = ${((f.median / m.lightRequests) * 100).toFixed(1)}%`;
    printTable(
      `Mixed: ${m.lightRequests} light requests (5-25 ms, ${m.lightDeadlineMs} ms deadline), ${m.lightLanes} at a time, beside ${m.heavyLanes} reductions of a ${(m.heavyBytes / 1e6).toFixed(0)} MB JSON in flight, for at least ${m.minWindowMs / 1000} s (median of rounds, spread; ratios per round)`,
      [
        [
          '',
          'light p50 ms',
          'light p99 ms',
          'p99 vs alone',
          `light timeouts of ${m.lightRequests}`,
          'heavy reductions/s',
          'vs main thread',
          'event-loop delay p99 ms',
        ],
        ...m.rows.map((row) => [
          row.name,
          show(row.lightP50Ms),
          show(row.lightP99Ms),
          showRatio(row.p99VsAlone),
          timeouts(row.timeouts),
          row.heavyPerSecond ? show(row.heavyPerSecond) : '',
          showRatio(row.heavyVsMain),
          show(row.delayP99Ms),
        ]),
      ],
    );
    const timed = m.rows.filter((row) => row.timings.length > 0);
    const parts = timed[0]?.timings.map((t) => t.part) ?? [];
    if (timed.length > 0)
      printTable(`Mixed: where threadfetch's light requests spent their time (res.timings of those answered in time; p50 / p99 ms, median of rounds)`, [
        ['', ...parts],
        ...timed.map((row) => [
          row.name,
          ...parts.map((part) => {
            const t = row.timings.find((x) => x.part === part);
            return t ? `${t.p50.median.toFixed(1)} / ${t.p99.median.toFixed(1)}` : '';
          }),
        ]),
      ]);
  }
  if (r.queue) {
    const q = r.queue;
    if ('skipped' in q) console.log(`\nQueue (QueueExecutor): skipped: ${q.skipped}`);
    else
      printTable(
        `Queue: QueueExecutor through a private redis-server, N threadfetch-worker processes of ${q.threadsPerProcess} thread each (median of rounds, spread; ratios per round vs 1 process)`,
        [
          ['processes', 'small requests/s (64 in flight)', 'vs 1 process', 'CPU-heavy requests/s', 'vs 1 process'],
          ...q.points.map((p) => [String(p.processes), show(p.smallPerSecond, 0), showRatio(p.smallVsOne), show(p.heavyPerSecond), showRatio(p.heavyVsOne)]),
        ],
      );
  }
  if (r.peers) {
    printTable('Peers (Python), small responses, 64 in flight, one run each', [
      ['', 'requests/s', 'vs undici'],
      ...r.peers.map((p) => [
        p.client,
        typeof p.perSecond === 'number' ? p.perSecond.toFixed(0) : p.perSecond,
        p.vsUndici === undefined ? '' : ratio(p.vsUndici),
      ]),
    ]);
  }
  if (r.load) {
    const rows = Object.entries(r.load);
    printTable('Machine load during each scenario (% of all cores; "other" is processes outside the bench, which skew its figures)', [
      ['scenario', 'bench process', 'server', 'other'],
      ...rows.map(([name, l]) => [name, `${l.bench.toFixed(0)}%`, `${l.server.toFixed(0)}%`, `${l.other.toFixed(0)}%${l.other >= 10 ? ' (!)' : ''}`]),
    ]);
  }
  if (r.userEndpoint) {
    const u = r.userEndpoint;
    printTable(`Your endpoint ${u.url}${u.background ? ` with background '${u.background}'` : ''}`, [
      ['', 'p50 latency us', 'p99 latency us', 'requests/s (16 in flight)', 'main busy us/req'],
      ['undici (main thread)', u.latencyP50Us.undici.toFixed(0), u.latencyP99Us.undici.toFixed(0), show(u.perSecond.undici, 0), show(u.busyUs.undici)],
      [
        'threadfetch',
        u.latencyP50Us.threadfetch.toFixed(0),
        u.latencyP99Us.threadfetch.toFixed(0),
        show(u.perSecond.threadfetch, 0),
        show(u.busyUs.threadfetch),
      ],
      [
        'threadfetch vs undici',
        ratio(u.latencyP50Us.threadfetch / u.latencyP50Us.undici),
        ratio(u.latencyP99Us.threadfetch / u.latencyP99Us.undici),
        ratio(u.perSecond.threadfetch.median / u.perSecond.undici.median),
        ratio(u.busyUs.threadfetch.median / u.busyUs.undici.median),
      ],
    ]);
  }
}
