/** ctx.hooks: the caller's `hooks`, called on the main thread through comlink over a per-request port. */
import type { MessagePort } from 'node:worker_threads';
import { type Endpoint, type Remote, releaseProxy, wrap } from 'comlink';

/** A function the caller passed in `hooks`, as a callback calls it: always async. */
export type Hook = (...args: never[]) => Promise<unknown>;

/** The hooks a callback sees; an empty object when the request passed none. */
export type Hooks = Readonly<Record<string, (...args: unknown[]) => Promise<unknown>>>;

const none: Hooks = Object.freeze({});
const noHooks = Object.freeze({ hooks: none, release() {} });

/** Opens the hooks of one request; `release` must run when the callback is done (comlink issue 692). */
export function openHooks(port: MessagePort | undefined): { hooks: Hooks; release(): void } {
  if (!port) return noHooks;
  const remote = wrap<Record<string, (...args: unknown[]) => unknown>>(port as unknown as Endpoint);
  return {
    hooks: remote as unknown as Hooks,
    release() {
      (remote as Remote<object>)[releaseProxy]();
      port.close();
    },
  };
}
