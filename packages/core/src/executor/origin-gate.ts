/**
 * The pool-wide per-origin connection limit (`poolConnectionsPerOrigin`, geventhttpclient's
 * `concurrency`), kept on the main thread. A request takes one of its origin's slots before it may go
 * to a worker and gives it back once its result is back (or its worker is gone); requests beyond the
 * limit wait here, in order. A slot, once used, is tied to the worker it went to, and its later
 * requests go there too: a worker then never has more requests to the origin at once than it holds
 * slots, so its undici pool never opens more connections to it, and the pool's total stays within
 * the limit, idle keep-alive connections included.
 */
import type { Job } from './job.js';

interface Origin {
  /** The thread each slot is tied to; undefined: not tied yet, or its worker is gone. */
  readonly threads: (number | undefined)[];
  /** Slots free now, by index. */
  readonly free: number[];
  /** Requests waiting for a slot, in order. */
  readonly waiting: Job[];
}

export class OriginGate {
  readonly #limit: number;
  readonly #origins = new Map<string, Origin>();
  readonly #held = new Map<Job, { origin: Origin; slot: number }>();
  #waiting = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Takes a slot for `job`: true when it may go on; false when it waits here, until {@link release} hands it one. */
  admit(job: Job): boolean {
    const key = originOf(job);
    if (key === undefined) return true;
    let origin = this.#origins.get(key);
    if (!origin) {
      origin = { threads: new Array(this.#limit).fill(undefined), free: Array.from({ length: this.#limit }, (_, i) => this.#limit - 1 - i), waiting: [] };
      this.#origins.set(key, origin);
    }
    const slot = origin.free.pop();
    if (slot === undefined) {
      origin.waiting.push(job);
      this.#waiting += 1;
      return false;
    }
    this.#held.set(job, { origin, slot });
    return true;
  }

  /** `job` is over: its slot is free. Returns the waiting request that takes it (admitted), if any. */
  release(job: Job): Job | undefined {
    const held = this.#held.get(job);
    if (!held) return undefined;
    this.#held.delete(job);
    const next = held.origin.waiting.shift();
    if (next === undefined) {
      held.origin.free.push(held.slot);
      return undefined;
    }
    this.#waiting -= 1;
    this.#held.set(next, held);
    return next;
  }

  /** Takes a waiting `job` out (it was cancelled); true when it was waiting here. */
  withdraw(job: Job): boolean {
    const key = originOf(job);
    const waiting = key === undefined ? undefined : this.#origins.get(key)?.waiting;
    const at = waiting ? waiting.indexOf(job) : -1;
    if (at < 0) return false;
    waiting?.splice(at, 1);
    this.#waiting -= 1;
    return true;
  }

  /** The thread `job` must go to (its slot's); undefined when any will do. */
  threadFor(job: Job): number | undefined {
    const held = this.#held.get(job);
    return held?.origin.threads[held.slot];
  }

  /** `job` went to the worker `threadId`: its slot is tied to that worker. */
  placed(job: Job, threadId: number): void {
    const held = this.#held.get(job);
    if (held) held.origin.threads[held.slot] = threadId;
  }

  /** The worker `threadId` is gone, and its connections with it: its slots may be tied anew. */
  forget(threadId: number): void {
    for (const origin of this.#origins.values()) {
      for (let i = 0; i < origin.threads.length; i++) if (origin.threads[i] === threadId) origin.threads[i] = undefined;
    }
  }

  /** Every waiting request, taken out (the executor is shutting down). */
  drain(): Job[] {
    const all: Job[] = [];
    for (const origin of this.#origins.values()) all.push(...origin.waiting.splice(0));
    this.#waiting = 0;
    return all;
  }
}

/** The origin a request opens connections to; undefined for a run (no request). */
function originOf(job: Job): string | undefined {
  if (job.spec.run) return undefined;
  try {
    return new URL(job.spec.url).origin;
  } catch {
    return undefined;
  }
}
