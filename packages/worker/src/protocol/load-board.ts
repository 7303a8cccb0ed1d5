/**
 * Per-worker load in shared memory: each worker claims a slot at start and counts its requests in
 * flight there; the main thread reads the counts for `stats()` without a message. A slot is freed
 * by the main thread when its worker exits, so replaced workers reuse slots.
 */
const slots = 256;

export class LoadBoard {
  /** [owner threadId, requests in flight] per slot. */
  readonly #cells: Int32Array;
  #slot = -1;

  /** A new board, or a view of one made elsewhere (pass its `buffer`). */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(slots * 2 * 4)) {
    this.#cells = new Int32Array(buffer);
  }

  /** Claims a slot for this worker thread (worker). Without a free slot, the worker is not counted. */
  claim(threadId: number): void {
    for (let i = 0; i < slots; i++) {
      if (Atomics.compareExchange(this.#cells, i * 2, 0, threadId) === 0) {
        Atomics.store(this.#cells, i * 2 + 1, 0);
        this.#slot = i;
        return;
      }
    }
  }

  /** Adds `delta` to this worker's requests in flight (worker). */
  add(delta: number): void {
    if (this.#slot >= 0) Atomics.add(this.#cells, this.#slot * 2 + 1, delta);
  }

  /** Requests in flight on the worker `threadId`, or undefined when it holds no slot (main thread). */
  inflight(threadId: number): number | undefined {
    for (let i = 0; i < slots; i++) if (Atomics.load(this.#cells, i * 2) === threadId) return Atomics.load(this.#cells, i * 2 + 1);
    return undefined;
  }

  /** Frees the slot of a worker that exited (main thread). */
  release(threadId: number): void {
    for (let i = 0; i < slots; i++) {
      if (Atomics.compareExchange(this.#cells, i * 2, threadId, 0) === threadId) return;
    }
  }
}
