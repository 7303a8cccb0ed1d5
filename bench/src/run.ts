/**
 * The benchmark harness (`pnpm bench -- [options]`). Every figure is measured side by side in one run,
 * as the median over rounds with the spread (lowest-highest round), and its ratio to the baseline.
 *
 *   --quick                 fewer rounds and requests (under two minutes)
 *   --only a,b              scenarios: latency, throughput, cpu-heavy, payload-sweep, workers-sweep
 *   --workers N             threads for threadfetch (default: cores, at most 16)
 *   --nice N                niceIncrement of threadfetch's workers (default: the library's, 10)
 *   --json FILE             write every result as JSON
 *   --svg FILE              draw the goals as a bar chart (for the README)
 *   --url URL [--callbacks MODULE --background NAME]   measure your own endpoint instead
 *   --peers                 also run Python's requests-futures and geventhttpclient, if installed
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { goalsFor, printResults } from './report.js';
import type { Context } from './scenarios/context.js';
import { cpuHeavy } from './scenarios/cpu-heavy.js';
import { latency } from './scenarios/latency.js';
import { payloadSweep } from './scenarios/payload-sweep.js';
import { peers } from './scenarios/peers.js';
import { throughput } from './scenarios/throughput.js';
import { userEndpoint } from './scenarios/user-endpoint.js';
import { workersSweep } from './scenarios/workers-sweep.js';
import { progress, progressDone } from './support/progress.js';
import { startBenchServer } from './support/server-process.js';
import { chart } from './svg.js';

const scenarioNames = ['latency', 'throughput', 'cpu-heavy', 'payload-sweep', 'workers-sweep'] as const;
type ScenarioName = (typeof scenarioNames)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    workers: { type: 'string' },
    nice: { type: 'string' },
    json: { type: 'string' },
    svg: { type: 'string' },
    url: { type: 'string' },
    callbacks: { type: 'string' },
    background: { type: 'string' },
    peers: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const only = (values.only?.split(',').map((s) => s.trim()) ?? [...scenarioNames]) as ScenarioName[];
for (const name of only) if (!scenarioNames.includes(name)) fail(`--only: unknown scenario "${name}"; known: ${scenarioNames.join(', ')}`);
const cores = availableParallelism();
const workers = values.workers === undefined ? Math.min(cores, 16) : Number(values.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) fail(`--workers must be an integer from 1 to 64, got ${values.workers}`);
const nice = values.nice === undefined ? undefined : Number(values.nice);
if (nice !== undefined && (!Number.isInteger(nice) || nice < 0 || nice > 19)) fail(`--nice must be an integer from 0 to 19, got ${values.nice}`);
if ((values.callbacks === undefined) !== (values.background === undefined)) fail('--callbacks and --background go together');
if (values.url !== undefined && !/^https?:\/\//.test(values.url)) fail(`--url must be an http: or https: URL, got ${values.url}`);

const step = (text: string) => progress(`bench: ${text}`);
const machine = `${cores} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
console.log(`threadfetch bench${values.quick ? ' --quick' : ''}: ${machine}; threadfetch uses ${workers} worker thread(s)`);

if (values.url !== undefined) {
  const result = await userEndpoint(
    { quick: values.quick, workers, nice, step },
    { url: values.url, callbacks: values.callbacks, background: values.background },
  );
  progressDone();
  printResults({ userEndpoint: result });
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ machine, userEndpoint: result }, null, 2)}\n`);
} else {
  const server = await startBenchServer();
  const ctx: Context = { server, quick: values.quick, workers, nice, step };
  const results: Record<string, unknown> = { machine, workers, quick: values.quick };
  try {
    for (const name of only) {
      if (name === 'latency') results.latency = await latency(ctx);
      if (name === 'throughput') results.throughput = await throughput(ctx);
      if (name === 'cpu-heavy') results.cpuHeavy = await cpuHeavy(ctx);
      if (name === 'payload-sweep') results.payloadSweep = await payloadSweep(ctx);
      if (name === 'workers-sweep') results.workersSweep = await workersSweep(ctx);
    }
    if (values.peers) results.peers = await peers(ctx);
  } finally {
    progressDone();
    await server.close();
  }
  printResults(results);
  const goals = goalsFor(results, cores);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ ...results, goals }, null, 2)}\n`);
  if (values.svg) {
    const bars = goals.map((g) => ({ label: g.figure, value: g.value, goal: g.goal, lowerIsBetter: g.lowerIsBetter }));
    writeFileSync(values.svg, chart(`threadfetch vs the goals (${cores} cores, ${workers} workers)`, bars));
  }
}
