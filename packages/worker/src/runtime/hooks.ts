/** ctx.hooks: the caller's `hooks`, called on the main thread through comlink over a per-request port. */
import type { MessagePort } from 'node:worker_threads';
import { type Endpoint, type Remote, releaseProxy, wrap } from 'comlink';
import { UnknownHookError } from '../errors.js';

/** A function the caller passed in `hooks`, as a callback calls it: always async. */
export type Hook = (...args: never[]) => Promise<unknown>;

/**
 * The hooks a callback sees: exactly those the request passed (`'note' in ctx.hooks`,
 * `Object.keys(ctx.hooks)`). Calling any other name rejects with {@link UnknownHookError}.
 */
export type Hooks = Readonly<Record<string, (...args: unknown[]) => Promise<unknown>>>;

type HookFn = (...args: unknown[]) => Promise<unknown>;

const noHooks = Object.freeze({ hooks: guard(Object.freeze(Object.create(null) as Record<string, HookFn>), []), release() {} });

/**
 * Opens the hooks of one request, `names` being those the caller passed; `release` must run when
 * the callback is done (comlink issue 692).
 */
export function openHooks(port: MessagePort | undefined, names: readonly string[] | undefined): { hooks: Hooks; release(): void } {
  if (!port) return noHooks;
  const remote = wrap<Record<string, HookFn>>(port as unknown as Endpoint);
  const passed = names ?? [];
  const own: Record<string, HookFn> = Object.create(null);
  for (const name of passed) own[name] = (...args) => remote[name]!(...args) as Promise<unknown>;
  return {
    hooks: guard(Object.freeze(own), passed),
    release() {
      (remote as Remote<object>)[releaseProxy]();
      port.close();
    },
  };
}

/**
 * `own` with a clear error for names the request did not pass; without it, comlink would send the
 * call to the main thread and fail there with "Cannot read properties of undefined (reading 'apply')".
 * `then` and symbols stay undefined, so that the object is no thenable and prints as itself.
 */
function guard(own: Readonly<Record<string, HookFn>>, passed: readonly string[]): Hooks {
  return new Proxy(own, {
    get(target, name) {
      if (typeof name !== 'string' || name === 'then' || Object.hasOwn(target, name)) return Reflect.get(target, name);
      return () => Promise.reject(unknownHook(name, passed));
    },
  });
}

function unknownHook(name: string, passed: readonly string[]): UnknownHookError {
  const which = passed.length === 0 ? 'the request passed no hooks' : `hooks passed: ${passed.join(', ')}`;
  return new UnknownHookError(`ctx.hooks.${name}(): no hook "${name}" was passed with the request (${which})`);
}
