/**
 * One queue, end to end, for a test file: a private redis-server, `threadfetch-worker` processes on a
 * queue of its own, and a QueueExecutor producing to it. `close()` tears it all down, bounded.
 */
import { fileURLToPath } from 'node:url';
import { QueueExecutor, type QueueExecutorOptions } from '@threadfetch/queue';
import { Queue } from 'bullmq';
import { startRedis, type TestRedis } from './redis.js';
import { startWorkers, type WorkerGroup } from './worker-process.js';

/** The compiled conformance callbacks (the package's fixtures and a few more). */
export const conformanceCallbacks = new URL('../fixtures/conformance-callbacks.js', import.meta.url);
export type ConformanceCallbacks = typeof import('../fixtures/conformance-callbacks.js');

export interface QueueEnvOptions {
  /** Worker processes. @default 1 */
  readonly processes?: number;
  /** `--workers` of each. @default 1 */
  readonly threads?: number;
  /** `--concurrency` of each. @default 8 */
  readonly concurrency?: number;
  /** More command-line arguments for each process. */
  readonly args?: readonly string[];
  /** More QueueExecutor options. */
  readonly executor?: Omit<QueueExecutorOptions, 'connection' | 'queue'>;
}

export interface QueueEnv {
  readonly redis: TestRedis;
  readonly queueName: string;
  readonly workers: WorkerGroup;
  readonly executor: QueueExecutor;
  /** A BullMQ handle on the same queue, to look at its jobs (counts), never to change them. */
  readonly inspect: Queue;
  /** The worker processes' and redis-server's output, for assertion messages. */
  output(): string;
  /** Destroys the executor, stops the worker processes (SIGTERM, then SIGKILL), then redis-server. */
  close(): Promise<void>;
}

let queues = 0;

export async function startQueueEnv(options: QueueEnvOptions = {}): Promise<QueueEnv> {
  const redis = await startRedis();
  const queueName = `tf-test-${process.pid}-${++queues}`;
  const args = [
    '--redis',
    redis.url,
    '--queue',
    queueName,
    '--callbacks',
    fileURLToPath(conformanceCallbacks),
    '--workers',
    String(options.threads ?? 1),
    '--concurrency',
    String(options.concurrency ?? 8),
    ...(options.args ?? []),
  ];
  let workers: WorkerGroup;
  try {
    workers = await startWorkers(options.processes ?? 1, args);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  const executor = new QueueExecutor({ connection: redis.url, queue: queueName, ...options.executor });
  const inspect = new Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
  return {
    redis,
    queueName,
    workers,
    executor,
    inspect,
    output: () => `${workers.output()}\n--- redis-server:\n${redis.output()}`,
    async close() {
      try {
        await executor.destroy();
        await inspect.close();
      } finally {
        await workers.stop(10_000);
        await redis.stop();
      }
    },
  };
}

/** Polls an asynchronous `condition` (a look at Redis) until it holds; fails naming `what` after `ms` (generous: only a hang trips it). */
export async function waitUntil(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
