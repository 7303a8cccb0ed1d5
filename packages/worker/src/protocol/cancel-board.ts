/**
 * A board of cancelled request ids in shared memory, written by the main thread and read by the
 * workers. It closes the race the BroadcastChannel cannot: a cancel sent before the worker that will
 * run the request has started (or before its batch arrived) is otherwise lost, since broadcast
 * messages are not kept for channels opened later. A worker checks the board as each spec arrives.
 *
 * Slot `id % size` holds the id (as int32) and the reason. A slot is reused only `size` ids later, so
 * a stale entry never matches a live request unless 65,536 requests were made while one batch was in
 * transit; even then the effect is a missed early check, and the broadcast still aborts it.
 */
import type { CancelReason } from './messages.js';

const size = 65_536;
const reasons: readonly CancelReason[] = ['cancel', 'timeout', 'close'];

export class CancelBoard {
  readonly #ids: Int32Array;
  readonly #reasons: Int8Array;

  /** A new board, or a view of one made elsewhere (pass its `buffer`). */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(size * 5)) {
    this.#ids = new Int32Array(buffer, 0, size);
    this.#reasons = new Int8Array(buffer, size * 4, size);
  }

  /** Records that request `id` was cancelled (main thread). */
  mark(id: number, reason: CancelReason): void {
    const slot = id % size;
    Atomics.store(this.#reasons, slot, reasons.indexOf(reason));
    Atomics.store(this.#ids, slot, id | 0);
  }

  /** The reason request `id` was cancelled, or undefined when it was not (worker). */
  reasonFor(id: number): CancelReason | undefined {
    const slot = id % size;
    if (Atomics.load(this.#ids, slot) !== (id | 0)) return undefined;
    return reasons[Atomics.load(this.#reasons, slot)];
  }
}
