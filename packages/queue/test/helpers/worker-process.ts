/**
 * `threadfetch-worker` processes for tests, started with the examples' launcher: one or a group on one
 * queue, their output kept for failure messages, stopped with SIGTERM (SIGKILL past a grace period) or
 * killed with SIGKILL, every wait bounded.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startWorkers as startProcesses, type WorkerProcess, workerCommand } from '../../../examples/dist/support/worker-process.js';

export { startWorker, type WorkerProcess } from '../../../examples/dist/support/worker-process.js';

/** The compiled callbacks fixture. */
export const callbacksPath = fileURLToPath(new URL('../fixtures/callbacks.js', import.meta.url));

/** How long the CLI may run to its end in {@link runWorker}. */
const runLimitMs = 20_000;

/** Worker processes started together on one queue. */
export interface WorkerGroup {
  readonly processes: readonly WorkerProcess[];
  /** Each process's output, labelled with its index and pid, for assertion messages. */
  output(): string;
  /** SIGTERM to each process still running (SIGKILL past `graceMs`), in parallel; resolves once all have exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `count` worker processes with the same arguments, in parallel; if one fails to start, the others are stopped. */
export async function startWorkers(count: number, args: readonly string[]): Promise<WorkerGroup> {
  const processes = await startProcesses(count, args);
  return {
    processes,
    output: () => processes.map((p, i) => `--- worker process ${i} (pid ${p.pid}${p.exited ? ', exited' : ''}):\n${p.output()}`).join('\n'),
    async stop(graceMs = 10_000) {
      await Promise.all(processes.map((p) => p.stop('SIGTERM', graceMs)));
    },
  };
}

/** Runs the CLI to its end (for argument errors and --help): its exit code and output; killed after 20 s. */
export async function runWorker(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [workerCommand, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), runLimitMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
