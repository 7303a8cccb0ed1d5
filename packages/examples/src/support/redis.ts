/**
 * A private redis-server for the distributed example (and, through their helpers, the queue tests and
 * the bench): a child process on a free loopback port, no persistence, killed by `stop()`. Without redis-server on PATH (or REDIS_SERVER) {@link redisServerPath}
 * is undefined and the example says why it skips (under CI it fails instead).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalRedis {
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

/** A port free right now on 127.0.0.1 (redis-server cannot listen on port 0 and tell us which it got). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** true when a server on `port` answers PING with +PONG within a second. */
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

/**
 * Starts redis-server on a free loopback port (or `port`: a Redis started again, empty, where one was)
 * and resolves once it answers PING (10 s at most). A free port taken between the probe and the start is
 * retried with another, 5 times at most.
 */
export async function startRedis(options: { readonly port?: number } = {}): Promise<LocalRedis> {
  const bin = redisServerPath;
  if (bin === undefined) throw new Error('redis-server is not installed (Debian: apt-get install redis-server, or set REDIS_SERVER)');
  let failure = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
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
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      up = await ping(port);
      if (!up) await sleep(10);
    }
    if (up) return { url: `redis://127.0.0.1:${port}`, port, process: child, output: () => output, stop };
    await stop();
    failure = `redis-server on port ${port} did not answer PING within 10 s:\n${output}`;
    if (options.port !== undefined || !/address already in use/i.test(output)) break;
  }
  throw new Error(failure);
}
