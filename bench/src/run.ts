/**
 * The benchmark harness (`pnpm bench -- [options]`; `--help` lists them). Every figure is measured side
 * by side in one run, as the median over rounds with the spread (lowest-highest round), and its ratio to
 * the baseline. The server runs in its own process; the whole run has a deadline (5 minutes with
 * `--quick`, 25 without), after which it stops with an error rather than hang.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { type Args, parseCommandLine, UsageError, usage } from './args.js';
import { goalsFor, printGoals } from './goals.js';
import { printResults } from './report.js';
import type { Results } from './results.js';
import type { Context } from './scenarios/context.js';
import { cpuHeavy } from './scenarios/cpu-heavy.js';
import { latency } from './scenarios/latency.js';
import { mixed } from './scenarios/mixed.js';
import { payloadSweep } from './scenarios/payload-sweep.js';
import { peers } from './scenarios/peers.js';
import { queueScenario } from './scenarios/queue.js';
import { throughput } from './scenarios/throughput.js';
import { userEndpoint } from './scenarios/user-endpoint.js';
import { workersSweep } from './scenarios/workers-sweep.js';
import { type Load, startLoadMeter } from './support/machine-load.js';
import { progress, progressDone } from './support/progress.js';
import { startBenchServer } from './support/server-process.js';
import { chart } from './svg.js';

let args: Args;
try {
  args = parseCommandLine(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`bench: ${error.message}\nRun with --help for the options.`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}

const started = performance.now();
const deadlineMinutes = args.quick ? 5 : 25;
setTimeout(() => {
  progressDone();
  console.error(`bench: still running after ${deadlineMinutes} minutes; stopping (a scenario hung or the machine is overloaded)`);
  process.exit(1);
}, deadlineMinutes * 60_000).unref();

const cores = availableParallelism();
const machine = `${cores} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
const step = (text: string) => progress(`bench [${((performance.now() - started) / 1000).toFixed(0)} s]: ${text}`);
console.log(`threadfetch bench${args.quick ? ' --quick' : ''}: ${machine}; threadfetch uses ${args.workers} worker thread(s)`);

async function runScenarios(): Promise<Results> {
  const server = await startBenchServer();
  const ctx: Context = { server, quick: args.quick, workers: args.workers, nice: args.nice, clients: args.clients, profileDir: args.profile, step };
  const results: { -readonly [K in keyof Results]: Results[K] } = {};
  const load: Record<string, Load> = {};
  const metered = async <T>(name: string, scenario: () => Promise<T>): Promise<T> => {
    const meter = startLoadMeter(server.pid);
    const result = await scenario();
    const share = meter.stop();
    if (share) load[name] = share;
    return result;
  };
  try {
    for (const name of args.only) {
      if (name === 'latency') results.latency = await metered(name, () => latency(ctx));
      if (name === 'throughput') results.throughput = await metered(name, () => throughput(ctx));
      if (name === 'cpu-heavy') results.cpuHeavy = await metered(name, () => cpuHeavy(ctx));
      if (name === 'payload-sweep') results.payloadSweep = await metered(name, () => payloadSweep(ctx));
      if (name === 'workers-sweep') results.workersSweep = await metered(name, () => workersSweep(ctx));
      if (name === 'mixed') results.mixed = await metered(name, () => mixed(ctx));
      // Not metered: redis-server and the worker processes would count as "other".
      if (name === 'queue') results.queue = await queueScenario(ctx);
    }
    // Not metered: the Python peers run in processes of their own, which the meter would count as "other".
    if (args.peers) results.peers = await peers(ctx);
    if (Object.keys(load).length > 0) results.load = load;
  } finally {
    progressDone();
    await server.close();
  }
  return results;
}

try {
  const meta = { machine, cores, workers: args.workers, nice: args.nice ?? 'default', quick: args.quick, date: new Date().toISOString() };
  if (args.url !== undefined) {
    const result = await userEndpoint(
      { quick: args.quick, workers: args.workers, nice: args.nice, step },
      { url: args.url, callbacks: args.callbacks, background: args.background },
    );
    progressDone();
    printResults({ userEndpoint: result });
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ ...meta, userEndpoint: result }, null, 2)}\n`);
  } else {
    const results = await runScenarios();
    printResults(results);
    const goals = goalsFor(results, cores);
    printGoals(goals);
    if (args.profile) console.log(`\nCPU profiles of the main thread in ${args.profile}: node bench/dist/profile-summary.js FILE`);
    const seconds = (performance.now() - started) / 1000;
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ ...meta, seconds, ...results, goals }, null, 2)}\n`);
    if (args.svg) writeFileSync(args.svg, chart(`threadfetch against its goals (${cores} cores, ${args.workers} workers)`, goals));
  }
  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
} catch (error) {
  progressDone();
  // The message names what failed; the stack helps only with the harness itself (BENCH_DEBUG=1).
  const text = error instanceof Error ? (process.env.BENCH_DEBUG ? (error.stack ?? error.message) : `${error.name}: ${error.message}`) : String(error);
  console.error(`bench: failed: ${text}`);
  process.exitCode = 1;
}
// Everything is closed by now; if a handle still holds the process, say so rather than hang.
setTimeout(() => {
  console.error('bench: a handle is still open after the run; exiting');
  process.exit(process.exitCode ?? 1);
}, 5_000).unref();
