/**
 * `threadfetch-worker` processes for the distributed example (and, through their helpers, the queue
 * tests and the bench), spawned from @threadfetch/queue's built CLI: started in parallel, ready once
 * they say so, stopped with SIGTERM (SIGKILL past a grace period) or killed with SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI next to the package's entry point (its `bin`; the package exports only `.`). */
export const workerCommand = fileURLToPath(new URL('./cli/threadfetch-worker.js', import.meta.resolve('@threadfetch/queue')));

export interface WorkerProcess {
  readonly process: ChildProcess;
  readonly pid: number;
  /** What it wrote so far, stdout and stderr together. */
  output(): string;
  /** true once it has exited. */
  readonly exited: boolean;
  /**
   * Sends `signal` (SIGTERM: it finishes its active jobs first) and waits for the exit; past `graceMs`
   * it is killed with SIGKILL. Resolves with the exit code (null when killed by a signal).
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Starts one `threadfetch-worker` with these arguments; resolves once it is ready (`readyMs` at most, then it is killed). */
export async function startWorker(args: readonly string[], readyMs = 20_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [workerCommand, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> => {
    if (exited || child.pid === undefined) return child.exitCode;
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('threadfetch-worker: ready')) resolve();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('error', reject);
      void exit.then((code) => reject(new Error(`threadfetch-worker exited with code ${code} before it was ready:\n${output}`)));
      timer = setTimeout(() => reject(new Error(`threadfetch-worker was not ready within ${readyMs} ms:\n${output}`)), readyMs);
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exit;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    process: child,
    pid: child.pid ?? -1,
    output: () => output,
    get exited() {
      return exited;
    },
    stop,
  };
}

/** Starts `count` workers with the same arguments, in parallel; if one fails to start, the others are stopped. */
export async function startWorkers(count: number, args: readonly string[]): Promise<WorkerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(args)));
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 1_000)));
    throw failed.reason;
  }
  return workers;
}
