/**
 * A request's cancellation, cheaper than an AbortController: undici takes it as an EventEmitter-style
 * signal (`on`/`once`/`removeListener`, `aborted`, `reason`), and the `AbortSignal` callbacks see as
 * `ctx.signal` is made only when a callback reads it. An AbortController per request cost the worker
 * more than a tenth of its time per small request.
 */
type Listener = () => void;

export class Cancellation {
  aborted = false;
  reason: unknown = undefined;
  #listeners: Listener[] | undefined;
  #controller: AbortController | undefined;

  /** Aborts once: listeners run, and the AbortSignal (if one was made) aborts with `reason`. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** An AbortSignal that follows this cancellation, for user code. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  on(event: string, listener: Listener): this {
    if (event !== 'abort' || this.aborted) return this;
    this.#listeners ??= [];
    this.#listeners.push(listener);
    return this;
  }

  /** The abort event fires at most once, so `once` is `on`. */
  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  removeListener(event: string, listener: Listener): this {
    const listeners = this.#listeners;
    if (event !== 'abort' || !listeners) return this;
    const at = listeners.indexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
    return this;
  }

  off(event: string, listener: Listener): this {
    return this.removeListener(event, listener);
  }
}
