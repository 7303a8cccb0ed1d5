/**
 * A throwaway redis-server for tests: a child process on a free loopback port, no persistence, stopped
 * in `stop()`. CI installs the Debian package; elsewhere, without redis-server on PATH (or REDIS_SERVER),
 * the Redis tests are skipped with the reason ({@link redisSkip}), except under CI, where they fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** What redis-server printed, for failure messages. */
  output(): string;
  /** SIGKILL (nothing to save), and waits for the exit. */
  stop(): Promise<void>;
}

/** The redis-server binary: REDIS_SERVER, else the first on PATH; undefined when there is none. */
export const redisServerPath: string | undefined =
  process.env.REDIS_SERVER ??
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'redis-server'))
    .find((path) => existsSync(path));

/**
 * For `describe(name, { skip: redisSkip })`: undefined when redis-server is installed, else the reason.
 * Under CI (`CI` set) never a skip: the tests then fail, naming what is missing.
 */
export const redisSkip: string | undefined =
  redisServerPath !== undefined || process.env.CI ? undefined : 'redis-server is not installed (Debian: apt-get install redis-server, or set REDIS_SERVER)';

/** A port free right now on 127.0.0.1 (the OS picks it; redis-server cannot listen on port 0 and tell us). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** true when a server on `port` answers PING with +PONG within a second. */
export function ping(port: number): Promise<boolean> {
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

/** Ten times what a start takes here (about 20 ms); only a hang trips it. */
const startLimitMs = 10_000;

/**
 * Starts redis-server on a free loopback port and resolves once it answers PING. A port taken between
 * the probe and the start (EADDRINUSE) is retried with another, 5 times at most; a server that does
 * not answer within 10 s is killed and the call fails with its output.
 */
export async function startRedis(): Promise<TestRedis> {
  const bin = redisServerPath;
  if (bin === undefined) throw new Error('redis-server is not installed (Debian: apt-get install redis-server, or set REDIS_SERVER)');
  let failure = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (error) => collect(Buffer.from(`spawn failed: ${error.message}\n`)));
    const exited = once(child, 'exit');
    const stop = async () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    };
    const deadline = Date.now() + startLimitMs;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      up = await ping(port);
      if (!up) await sleep(10);
    }
    if (up) return { url: `redis://127.0.0.1:${port}`, port, process: child, output: () => output, stop };
    await stop();
    failure = `redis-server on port ${port} did not answer PING within ${startLimitMs} ms:\n${output}`;
    if (!/address already in use/i.test(output)) break;
  }
  throw new Error(failure);
}
