/**
 * Summarizes `.cpuprofile` files (from `node --cpu-prof`): self time by area (threadfetch's packages,
 * undici, Piscina, Node internals, GC, idle) and the top functions by self time.
 *
 *   node bench/dist/run.js --only throughput --profile .bench-out/prof   (the measured pass only, per client)
 *   node bench/dist/profile-summary.js [--top N] [--filter TEXT] .bench-out/prof/throughput-threadfetch.cpuprofile
 *
 * It reads `node --cpu-prof` files too (one per thread; the main thread's has thread id 0: `.<pid>.0.<n>.cpuprofile`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

/** The parts of a V8 CPU profile this reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Which part of the stack a function belongs to. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.includes('/packages/core/')) return '@threadfetch/core';
  if (url.includes('/packages/worker/')) return '@threadfetch/worker';
  if (url.includes('/node_modules/undici/') || url.includes('/node_modules/.pnpm/undici@')) return 'undici';
  if (url.includes('piscina')) return 'piscina';
  if (url.includes('/bench/')) return 'bench';
  if (url.startsWith('node:')) return 'node internals';
  return 'other';
}

/**
 * Self time in ms per key. A sample lasts until the next one (`timeDeltas[i + 1]`), as DevTools counts
 * it; the first delta (from the profiler's start to the first sample) belongs to no function.
 */
export function selfTimes(profile: CpuProfile, keyOf: (frame: CallFrame) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (const [i, id] of profile.samples.entries()) {
    const node = byId.get(id);
    const us = profile.timeDeltas[i + 1];
    if (!node || us === undefined) continue;
    const key = keyOf(node.callFrame);
    totals.set(key, (totals.get(key) ?? 0) + us / 1000);
  }
  return totals;
}

const shortUrl = (url: string) =>
  url.replace(/^file:\/\/.*?\/(packages|bench|node_modules)\//, '$1/').replace(/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');

function table(title: string, totals: Map<string, number>, busy: number, top: number): void {
  console.log(`\n${title}`);
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, ms] of rows) console.log(`${ms.toFixed(1).padStart(9)} ms  ${((ms / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, filter: { type: 'string' } } });
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new TypeError(`--top must be a positive integer, got ${values.top}`);
  if (positionals.length === 0) throw new TypeError('give one or more .cpuprofile files');
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const areas = selfTimes(profile, areaOf);
    const idle = areas.get('(idle)') ?? 0;
    const total = [...areas.values()].reduce((s, v) => s + v, 0);
    const busy = total - idle;
    console.log(`\n${basename(file)}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (percentages are of busy time)`);
    areas.delete('(idle)');
    table('self time by area', areas, busy, top);
    const fns = selfTimes(profile, (f) => `${f.functionName || '(anonymous)'}  ${shortUrl(f.url)}:${f.lineNumber + 1}`);
    for (const key of fns.keys()) if (key.startsWith('(idle)') || (values.filter && !key.includes(values.filter))) fns.delete(key);
    table(`top functions by self time${values.filter ? ` matching "${values.filter}"` : ''}`, fns, busy, top);
  }
}

try {
  main();
} catch (error) {
  console.error(`profile-summary: ${(error as Error).message}`);
  process.exitCode = 2;
}
