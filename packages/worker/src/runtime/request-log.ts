/**
 * What a request of a session with a `logger` went through in the worker: redirects followed and
 * retries made. Kept with the request and sent back in its result envelope (no message of its own),
 * where the main thread turns it into log records. URLs are redacted here, before they leave.
 */
import { threadId } from 'node:worker_threads';
import { epochNow, type WorkerEvent, type WorkerLog } from '../protocol/messages.js';
import { redactUrl } from '../redact.js';

export class RequestLog {
  readonly #events: WorkerEvent[] = [];

  /** A redirect with `status` is being followed to `location`. */
  redirect(status: number, location: string): void {
    this.#events.push({ event: 'redirect', at: epochNow(), status, location: redactUrl(location) });
  }

  /** Attempt `attempt` failed with `error` (a status or a network error) and is being retried. */
  retry(attempt: number, error: unknown): void {
    const { statusCode, code } = (error ?? {}) as { statusCode?: number; code?: string };
    const event = { event: 'retry', at: epochNow(), attempt } as const;
    this.#events.push(typeof statusCode === 'number' ? { ...event, status: statusCode } : typeof code === 'string' ? { ...event, code } : event);
  }

  /** What goes back in the envelope. */
  record(): WorkerLog {
    return { threadId, events: this.#events };
  }
}
