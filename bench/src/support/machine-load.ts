/**
 * How busy the machine was while a scenario ran, split into the bench process (all its threads), the
 * server process, and everything else: other processes compete for the same cores and skew every
 * figure, so the report shows them. Linux only (`/proc`); elsewhere the meter reports nothing.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Shares of the machine's capacity (all cores over the wall time), in percent. */
export interface Load {
  readonly bench: number;
  readonly server: number;
  readonly other: number;
}

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on Linux). */
const hz = 100;

function machineBusySeconds(): number | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    return (user + nice + system + irq + softirq + steal) / hz;
  } catch {
    return undefined;
  }
}

function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / hz;
  } catch {
    return 0;
  }
}

/** Starts measuring; `stop()` returns the shares since, or undefined where /proc is missing. */
export function startLoadMeter(serverPid: number | undefined): { stop(): Load | undefined } {
  const machine = machineBusySeconds();
  const own = process.cpuUsage();
  const server = serverPid === undefined ? 0 : processSeconds(serverPid);
  const started = performance.now();
  return {
    stop() {
      const machineNow = machineBusySeconds();
      if (machine === undefined || machineNow === undefined) return undefined;
      const capacity = ((performance.now() - started) / 1000) * availableParallelism();
      const ownUsage = process.cpuUsage(own);
      const bench = (ownUsage.user + ownUsage.system) / 1e6;
      const serverUsed = serverPid === undefined ? 0 : processSeconds(serverPid) - server;
      const other = Math.max(0, machineNow - machine - bench - serverUsed);
      const pct = (s: number) => Math.round((s / capacity) * 1000) / 10;
      return { bench: pct(bench), server: pct(serverUsed), other: pct(other) };
    },
  };
}
