/**
 * Structured log records for a session's `logger` (pino, or any logger with pino's methods called as
 * `(object, message)`). Requests are logged from the main thread as they start and settle; what they
 * went through in a worker (redirects, retries) comes back in their result envelope and is logged
 * then. Worker threads starting, exiting, crashing and being terminated are logged from the
 * executor's diagnostics channels. URLs are redacted; headers and bodies are never logged.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { threadId } from 'node:worker_threads';
import { InvalidArgumentError, type ThreadfetchError } from '@threadfetch/worker';
import { redactUrl, type WorkerLog } from '@threadfetch/worker/protocol';
import type { Executor, Job } from '../executor/job.js';
import { channels } from './diagnostics.js';

/** What threadfetch calls on a logger: pino's methods, each as `(object, message)`. */
export interface Logger {
  trace(record: object, message: string): void;
  debug(record: object, message: string): void;
  info(record: object, message: string): void;
  warn(record: object, message: string): void;
  error(record: object, message: string): void;
}

const levels = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Validates the `logger` option. */
export function checkLogger(value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  const missing = value !== null && typeof value === 'object' ? levels.filter((l) => typeof (value as Record<string, unknown>)[l] !== 'function') : levels;
  if (missing.length > 0) {
    throw new InvalidArgumentError(`options.logger must be a pino-compatible logger with methods ${levels.join(', ')}; missing: ${missing.join(', ')}`);
  }
  return value as Logger;
}

const fields = (job: Job) => ({ id: job.spec.id, method: job.spec.method, url: redactUrl(job.spec.url) });

/** The request was made, on this (the calling) thread. */
export function logStart(logger: Logger, job: Job): void {
  logger.debug({ event: 'request:start', threadId, ...fields(job) }, 'request start');
}

/** What the worker reported, then the end: `info` for a response, `warn` for a failure, `info` for a cancel. */
export function logEnd(
  logger: Logger,
  job: Job,
  error: Error | undefined,
  status: number | undefined,
  durationMs: number,
  worker: WorkerLog | undefined,
): void {
  const base = { threadId: worker?.threadId, ...fields(job) };
  // A distributed executor's results come from other machines: what is not a list is not read.
  for (const e of Array.isArray(worker?.events) ? worker.events : []) {
    if (e.event === 'redirect') logger.debug({ event: 'request:redirect', ...base, status: e.status, location: e.location, at: e.at }, 'request redirected');
    else logger.info({ event: 'request:retry', ...base, attempt: e.attempt, status: e.status, code: e.code, at: e.at }, 'request retried');
  }
  const duration = Math.round(durationMs * 1000) / 1000;
  if (!error) {
    logger.info({ event: 'request:end', ...base, status, durationMs: duration }, 'request end');
    return;
  }
  const code = (error as ThreadfetchError).code;
  const record = { event: 'request:error', ...base, status, durationMs: duration, err: { type: error.name, code, message: redactUrl(error.message) } };
  if (code === 'TF_ERR_ABORTED') logger.info(record, 'request cancelled');
  else logger.warn(record, 'request failed');
}

/** The worker events of `executor`, logged until the returned function is called. */
export function logWorkers(logger: Logger, executor: Executor): () => void {
  const subscriptions: [string, (message: unknown) => void][] = [
    [
      channels.workerStart,
      (m) => {
        const { executor: of, threadId: worker } = m as { executor: Executor; threadId: number };
        if (of === executor) logger.info({ event: 'worker:start', threadId: worker }, 'worker start');
      },
    ],
    [
      channels.workerExit,
      (m) => {
        const {
          executor: of,
          threadId: worker,
          cause,
          crashed,
          requests,
        } = m as { executor: Executor; threadId: number; cause: string; crashed: boolean; requests: number };
        if (of !== executor) return;
        if (crashed) logger.error({ event: 'worker:crash', threadId: worker, cause, requests }, 'worker crashed');
        else logger.info({ event: 'worker:exit', threadId: worker }, 'worker exit');
      },
    ],
    [
      channels.workerTerminate,
      (m) => {
        const t = m as {
          executor?: Executor;
          threadId: number;
          id: number;
          request: { method: string; url: string };
          reason: string;
          heldMs: number;
          bystanders: number;
        };
        if (t.executor !== executor) return;
        const record = {
          event: 'worker:terminate',
          threadId: t.threadId,
          id: t.id,
          ...t.request,
          reason: t.reason,
          heldMs: t.heldMs,
          bystanders: t.bystanders,
        };
        logger.error(record, 'worker terminated');
      },
    ],
  ];
  for (const [name, fn] of subscriptions) diagnosticsChannel.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subscriptions) diagnosticsChannel.unsubscribe(name, fn);
  };
}
