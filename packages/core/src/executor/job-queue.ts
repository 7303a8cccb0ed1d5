/** A FIFO of waiting jobs with O(1) push and shift, and removal of a cancelled job without a scan. */
import type { Job } from './job.js';

export class JobQueue {
  #items: (Job | undefined)[] = [];
  #head = 0;
  #size = 0;
  readonly #index = new Map<Job, number>();

  get size(): number {
    return this.#size;
  }

  push(job: Job): void {
    this.#index.set(job, this.#items.length);
    this.#items.push(job);
    this.#size += 1;
  }

  shift(): Job | undefined {
    while (this.#head < this.#items.length) {
      const job = this.#items[this.#head];
      this.#items[this.#head] = undefined;
      this.#head += 1;
      if (job) {
        this.#index.delete(job);
        this.#size -= 1;
        this.#compact();
        return job;
      }
    }
    return undefined;
  }

  /** Removes a job wherever it is; false when it is not queued. */
  remove(job: Job): boolean {
    const at = this.#index.get(job);
    if (at === undefined) return false;
    this.#items[at] = undefined;
    this.#index.delete(job);
    this.#size -= 1;
    return true;
  }

  /** Empties the queue, returning what was waiting, oldest first. */
  drain(): Job[] {
    const jobs = this.#items.slice(this.#head).filter((job): job is Job => job !== undefined);
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
    this.#index.clear();
    return jobs;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
      this.#index.clear();
      this.#items.forEach((job, i) => {
        if (job) this.#index.set(job, i);
      });
    }
  }
}
