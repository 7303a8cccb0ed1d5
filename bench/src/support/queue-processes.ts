/**
 * The services of the `queue` scenario, as child processes: a private redis-server on a free loopback
 * port (no persistence), and `threadfetch-worker` processes (@threadfetch/queue's command). Every start
 * is bounded; `stop()` ends them (SIGTERM, SIGKILL after a grace period).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** redis-server: REDIS_SERVER, else the first on PATH; undefined when not installed. */
export function findRedisServer(): string | undefined {
  return (
    process.env.REDIS_SERVER ??
    (process.env.PATH ?? '')
      .split(delimiter)
      .map((dir) => join(dir, 'redis-server'))
      .find((path) => existsSync(path))
  );
}

/** A started child process. */
export interface Service {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => done(chunk.toString().startsWith('+PONG')));
  });
}

/** Starts `bin` on a free port of 127.0.0.1 and waits until it answers PING (10 s); retries a port taken meanwhile. */
export async function startRedisServer(bin: string): Promise<Service & { readonly url: string }> {
  let output = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (error) => collect(Buffer.from(error.message)));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.pid !== undefined && child.exitCode === null) {
      if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, pid: child.pid, stop: () => stopChild(child) };
      await sleep(10);
    }
    await stopChild(child);
    if (!/address already in use/i.test(output)) break;
  }
  throw new Error(`redis-server did not start: ${output.trim().split('\n').at(-1) ?? ''}`);
}

/** The compiled `threadfetch-worker` command, found through @threadfetch/queue's entry. */
export const workerCommand = fileURLToPath(new URL('./cli/threadfetch-worker.js', import.meta.resolve('@threadfetch/queue')));

/** Starts a `threadfetch-worker` process with `args` and waits until it says it is ready (30 s). */
export async function startWorkerProcess(args: readonly string[]): Promise<Service> {
  const child = spawn(process.execPath, [workerCommand, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('threadfetch-worker: ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`threadfetch-worker exited (${code}) before it was ready: ${output.trim()}`)));
    child.once('error', reject);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`threadfetch-worker was not ready within 30 s: ${output.trim()}`)), 30_000);
      }),
    ]);
  } catch (error) {
    await stopChild(child, 1_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { pid: child.pid, stop: () => stopChild(child) };
}
