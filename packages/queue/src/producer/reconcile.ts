/**
 * A bounded look, every `reconcileInterval`, at the BullMQ state of the jobs pending longer than that:
 * for the one QueueEvents event the executor cannot do without, `failed` (a job that stalled too often),
 * which is lost when it is emitted while the producer is away long enough for the capped events stream
 * to drop it. A job found failed fails its future as the event would; a job found nowhere twice in a row
 * (an interval apart, so that a result pushed just before its job was removed has been read by then)
 * fails with TF_ERR_WORKER_CRASHED. Nothing pending: no Redis command. The timer never keeps the process alive.
 */
import { debuglog } from 'node:util';
import type { Queue } from 'bullmq';

const log = debuglog('threadfetch');

/** Jobs looked up per round at most (the oldest first, taking turns when more are pending). */
export const reconcileBatch = 100;

/** What the reconciler needs to know of a pending job. */
export interface Pending {
  readonly id: string;
  /** ms epoch of submit. */
  readonly since: number;
  /** queue.add has succeeded: the job is in Redis. */
  readonly inQueue: boolean;
  /** Found nowhere at the previous round. */
  missing: boolean;
}

export interface ReconcilerOptions {
  readonly queue: Queue;
  readonly intervalMs: number;
  /** The jobs pending now, oldest first. */
  readonly pending: () => Iterable<Pending>;
  /** Fails a job still pending: BullMQ failed it (`reason`), or it is gone (`reason` undefined). */
  readonly fail: (id: string, reason: string | undefined) => void;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #timer: NodeJS.Timeout;
  #running = false;
  /** Where the next round starts among the candidates, when there are more than a batch. */
  #turn = 0;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#timer = setInterval(() => void this.#round(), options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #round(): Promise<void> {
    if (this.#running) return;
    const oldest = Date.now() - this.#o.intervalMs;
    const candidates: Pending[] = [];
    for (const p of this.#o.pending()) if (p.inQueue && p.since <= oldest) candidates.push(p);
    if (candidates.length === 0) return;
    this.#running = true;
    try {
      const start = this.#turn % candidates.length;
      const picked = [...candidates.slice(start), ...candidates.slice(0, start)].slice(0, reconcileBatch);
      this.#turn = start + picked.length;
      for (const p of picked) await this.#check(p);
    } catch (error) {
      log('reconciling pending jobs failed: %o', error);
    } finally {
      this.#running = false;
    }
  }

  async #check(p: Pending): Promise<void> {
    const state = await this.#o.queue.getJobState(p.id);
    if (state === 'failed') {
      const job = await this.#o.queue.getJob(p.id);
      log('job %s found failed by reconciliation (its failed event was missed)', p.id);
      this.#o.fail(p.id, job?.failedReason ?? 'failed');
    } else if (state === 'unknown') {
      if (p.missing) {
        log('job %s found nowhere twice by reconciliation', p.id);
        this.#o.fail(p.id, undefined);
      } else p.missing = true;
    } else p.missing = false;
  }
}
