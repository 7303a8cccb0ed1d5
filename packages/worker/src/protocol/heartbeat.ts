/**
 * A worker's heartbeat: a SharedArrayBuffer the worker writes and the main thread reads, with no
 * message. The worker stamps it on a timer, so a stale stamp means its event loop has not turned (a
 * callback blocking it), not merely that it is busy with many requests. It also stamps when it enters
 * a callback's synchronous part and clears that on leaving, so the main thread can tell a worker that
 * is inside a long callback. The worker creates the buffer and sends it in its hello.
 */

/** How often a worker stamps its heartbeat, in ms. */
export const heartbeatIntervalMs = 100;

/** Slots of the buffer, each an epoch-ms stamp (BigInt64, written and read with Atomics). */
const Slot = { beat: 0, callbackSince: 1 } as const;
const slots = 2;

/** The worker's side: stamps its heartbeat and the callbacks it runs. */
export class HeartbeatWriter {
  readonly buffer = new SharedArrayBuffer(slots * BigInt64Array.BYTES_PER_ELEMENT);
  readonly #view = new BigInt64Array(this.buffer);
  #depth = 0;

  /** Stamps the beat now, then every {@link heartbeatIntervalMs}; the timer never keeps the thread alive. */
  start(): void {
    this.beat();
    setInterval(() => this.beat(), heartbeatIntervalMs).unref();
  }

  beat(): void {
    Atomics.store(this.#view, Slot.beat, BigInt(Math.round(Date.now())));
  }

  /** Runs `fn`, marking the worker as inside a callback for its synchronous part. */
  inCallback<T>(fn: () => T): T {
    if (this.#depth++ === 0) Atomics.store(this.#view, Slot.callbackSince, BigInt(Math.round(Date.now())));
    try {
      return fn();
    } finally {
      if (--this.#depth === 0) Atomics.store(this.#view, Slot.callbackSince, 0n);
    }
  }
}

/** The main thread's view of one worker's heartbeat. */
export class HeartbeatReader {
  readonly #view: BigInt64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#view = new BigInt64Array(buffer);
  }

  /** Epoch ms of the last beat. */
  get lastBeat(): number {
    return Number(Atomics.load(this.#view, Slot.beat));
  }

  /** Epoch ms when the callback running synchronously now started; 0 when none is. */
  get callbackSince(): number {
    return Number(Atomics.load(this.#view, Slot.callbackSince));
  }

  /**
   * How long the worker's event loop has not turned, in ms, at `now` (epoch ms): 0 while it beats on
   * time (a beat may be up to five intervals late before it counts: a busy machine delays timers).
   */
  unresponsiveMs(now: number): number {
    const late = now - this.lastBeat;
    return late > 5 * heartbeatIntervalMs ? Math.round(late) : 0;
  }
}
