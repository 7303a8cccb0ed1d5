/** Finds background callbacks: the built-ins, or named exports of a callbacks module loaded once per worker. */
import { CallbacksModuleError, type RequestRef, UnknownCallbackError } from '../errors.js';
import type { BackgroundCallback } from './background-response.js';

/** Callbacks every session has without a module. Their names are reserved. */
export const builtinCallbacks: Readonly<Record<string, BackgroundCallback>> = Object.freeze({
  json: (res) => res.json(),
  text: (res) => res.text(),
});

const modules = new Map<string, Promise<Record<string, unknown>>>();

function load(href: string): Promise<Record<string, unknown>> {
  let loading = modules.get(href);
  if (!loading) {
    loading = import(href) as Promise<Record<string, unknown>>;
    modules.set(href, loading);
  }
  return loading;
}

/** Resolves `name` to a function: a built-in first, then an export of the module at `href`. */
export async function findCallback(name: string, href: string | undefined, request: RequestRef): Promise<BackgroundCallback> {
  const builtin = Object.hasOwn(builtinCallbacks, name) ? builtinCallbacks[name] : undefined;
  if (builtin) return builtin;
  if (href === undefined) {
    throw new UnknownCallbackError(`background callback "${name}" is not a built-in (json, text) and the session has no callbacks module`, { request });
  }
  return (await findExport(name, href, request, 'background callback')) as BackgroundCallback;
}

/**
 * Resolves `name` to a function exported by the module at `href` (never a built-in); `what` names
 * the caller's use of it in errors ("background callback", "run").
 */
export async function findExport(name: string, href: string | undefined, request: RequestRef, what: string): Promise<(...args: unknown[]) => unknown> {
  if (href === undefined) throw new UnknownCallbackError(`${what} "${name}": the session has no callbacks module (options.callbacks)`, { request });
  let mod: Record<string, unknown>;
  try {
    mod = await load(href);
  } catch (error) {
    throw new CallbacksModuleError(`callbacks module ${href} failed to load: ${(error as Error)?.message ?? error}`, { cause: error, request });
  }
  const fn = Object.hasOwn(mod, name) ? mod[name] : undefined;
  if (typeof fn !== 'function') {
    const names = Object.keys(mod).filter((key) => typeof mod[key] === 'function');
    const builtins = what === 'background callback' ? '; built-ins: json, text' : '';
    throw new UnknownCallbackError(`${what} "${name}" is not a function exported by ${href}; exported functions: ${names.join(', ') || '(none)'}${builtins}`, {
      request,
    });
  }
  return fn as (...args: unknown[]) => unknown;
}
