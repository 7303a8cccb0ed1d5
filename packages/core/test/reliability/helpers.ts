/** Servers, child processes and outcome helpers for the reliability tests. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Executor, Job } from '@threadfetch/core';
import { startServer, type TestServer } from '../helpers/server.js';

export interface ReliabilityServer extends TestServer {
  /** Responses of /hold requests not yet answered, oldest first. */
  readonly held: ServerResponse[];
  /** Answers every held response still open with 200 `released`. */
  releaseAll(): void;
}

/** A server with /ok, /slow?ms= (answers after `ms`), /hold (answers when released) and /boom (500). */
export async function startReliabilityServer(): Promise<ReliabilityServer> {
  const held: ServerResponse[] = [];
  const server = await startServer({
    '/ok': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    },
    '/slow': (req, res) => {
      const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 300);
      const timer = setTimeout(() => res.writeHead(200).end('slow'), ms);
      res.on('close', () => clearTimeout(timer));
    },
    '/hold': (_req, res) => {
      held.push(res);
    },
    '/boom': (_req, res) => {
      res.writeHead(500).end('boom');
    },
  });
  return {
    ...server,
    held,
    releaseAll() {
      for (const res of held.splice(0)) if (!res.destroyed) res.writeHead(200).end('released');
    },
    async close() {
      for (const res of held) res.destroy();
      await server.close();
    },
  };
}

export const crashy = new URL('./fixtures/crashy.js', import.meta.url);
export type Crashy = typeof import('./fixtures/crashy.js');

/** The outcome of a future: its data, or its error code and message. */
export type Outcome<T> = { ok: true; data: T } | { ok: false; code: string; message: string; cancelled?: boolean };

export async function outcome<T>(future: PromiseLike<{ data: T }>): Promise<Outcome<T>> {
  try {
    return { ok: true, data: (await future).data };
  } catch (error) {
    return { ok: false, code: (error as { code: string }).code, message: (error as Error).message };
  }
}

/**
 * An HTTP server on 127.0.0.1 running in a thread of its own, so it answers while the main thread is
 * busy: every request gets 200 `ok`.
 */
export async function startOffThreadServer(): Promise<{ url: string; close(): Promise<void> }> {
  const worker = new Worker(
    `const http = require('node:http');
     const { parentPort } = require('node:worker_threads');
     const server = http.createServer((req, res) => res.end('ok'));
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  const [port] = (await once(worker, 'message')) as [number];
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await worker.terminate();
    },
  };
}

export interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** true when it had not exited by itself within the limit and was killed. */
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** A URL where nothing listens: port 1 is privileged and unused here (a port just given up could be taken again). */
export const refusedURL = 'http://127.0.0.1:1/';

/** Far above a normal exit (a second or two), far below the test timeout. */
export const childLimitMs = 20_000;

/**
 * Runs `node [nodeArgs] fixtures/<script> [args]` and waits for it to exit by itself; after `limitMs`
 * ({@link childLimitMs} unless given) it is killed and `killed` is true.
 */
export async function runChild(
  script: string,
  args: readonly string[] = [],
  options: { nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv; limitMs?: number } = {},
): Promise<ChildOutcome> {
  const path = fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, options.limitMs ?? childLimitMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, killed, stdout, stderr };
}

/** A raw TCP server on 127.0.0.1, port 0: `onSocket` writes whatever bytes it likes. */
export async function startTcpServer(onSocket: (socket: Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/**
 * Wraps an executor to count, at the executor, how often each job is finished: a second finish would
 * be invisible to the future (it ignores it), so "settles exactly once" is checked here. `check()`
 * throws unless every job was finished at most once, and exactly once unless a cancel took effect.
 */
export function countingExecutor(inner: Executor): { executor: Executor; check(): void } {
  const finishes = new Map<Job, number>();
  const cancelled = new Set<Job>();
  const executor: Executor = {
    submit(job) {
      finishes.set(job, 0);
      const finish = job.finish.bind(job);
      job.finish = (result) => {
        finishes.set(job, (finishes.get(job) ?? 0) + 1);
        finish(result);
      };
      inner.submit(job);
    },
    cancel(job, reason) {
      const took = inner.cancel(job, reason);
      if (took) cancelled.add(job);
      return took;
    },
    destroy: () => inner.destroy(),
    stats: () => inner.stats(),
  };
  return {
    executor,
    check() {
      for (const [job, count] of finishes) {
        const what = `${job.spec.method} ${job.spec.url}`;
        if (count > 1) throw new Error(`job ${what} was finished ${count} times`);
        if (count === 0 && !cancelled.has(job)) throw new Error(`job ${what} was never finished nor cancelled`);
      }
    },
  };
}
