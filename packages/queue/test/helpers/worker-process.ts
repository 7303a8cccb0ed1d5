/**
 * `threadfetch-worker` processes for tests, spawned from the built CLI: one or a group on one queue,
 * their output kept for failure messages, stopped with SIGTERM (SIGKILL past a grace period) or killed
 * with SIGKILL, every wait bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli/threadfetch-worker.js', import.meta.url));
/** The compiled callbacks fixture. */
export const callbacksPath = fileURLToPath(new URL('../fixtures/callbacks.js', import.meta.url));

/** Far above a start (a second or two with its threads), far below a test's timeout. */
const readyLimitMs = 20_000;

export interface WorkerProcess {
  readonly process: ChildProcess;
  readonly pid: number;
  /** What it wrote so far, stdout and stderr together. */
  output(): string;
  /** true once it has exited. */
  readonly exited: boolean;
  /**
   * Sends `signal` and waits for the exit; resolves with the exit code (null when killed by a signal).
   * Past `graceMs` (SIGTERM: 10 s) it is killed with SIGKILL.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Starts `threadfetch-worker` with these arguments and resolves once it says it is ready (20 s at most, then it is killed). */
export async function startWorker(args: readonly string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('threadfetch-worker: ready')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    void exit.then((code) => reject(new Error(`threadfetch-worker exited with code ${code} before it was ready: ${output}`)));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<number | null> => {
    if (exited || child.pid === undefined) return child.exitCode;
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`threadfetch-worker was not ready within ${readyLimitMs} ms: ${output}`)), readyLimitMs);
      }),
    ]);
  } catch (error) {
    await stop('SIGKILL');
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

/** Worker processes started together on one queue. */
export interface WorkerGroup {
  readonly processes: readonly WorkerProcess[];
  /** Each process's output, labelled with its index and pid, for assertion messages. */
  output(): string;
  /** SIGTERM to each process still running (SIGKILL past `graceMs`), in parallel; resolves once all have exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `count` worker processes with the same arguments, in parallel; if one fails to start, the others are killed. */
export async function startWorkers(count: number, args: readonly string[]): Promise<WorkerGroup> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(args)));
  const processes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    throw failed.reason;
  }
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
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), readyLimitMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
