/**
 * A session's `setup` module, imported once per worker before the first request that names it. Its
 * optional `dispatcher` export receives the Agent threadfetch built for a request's connection
 * settings and returns the undici Dispatcher that request goes through: a MockAgent, the Agent
 * wrapped in interceptors, or an Agent of its own. threadfetch's retries, redirects and decoding
 * stay above it (dispatchers.ts, http.ts), so they apply to whatever it returns.
 */
import type { Dispatcher } from 'undici';
import { type RequestRef, SetupModuleError } from '../errors.js';

/** What a setup module may export as `dispatcher`. */
export type SetupDispatcher = (defaultDispatcher: Dispatcher) => Dispatcher | Promise<Dispatcher>;

const modules = new Map<string, Promise<SetupDispatcher | undefined>>();

/** The module's `dispatcher` function, or undefined when it exports none; imported once per href. */
export function loadSetup(href: string): Promise<SetupDispatcher | undefined> {
  let loading = modules.get(href);
  if (!loading) {
    loading = importSetup(href);
    modules.set(href, loading);
  }
  return loading;
}

async function importSetup(href: string): Promise<SetupDispatcher | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(href)) as Record<string, unknown>;
  } catch (error) {
    throw new SetupModuleError(`setup module ${href} failed to load: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  const fn = mod.dispatcher;
  if (fn === undefined) return undefined;
  if (typeof fn !== 'function') throw new SetupModuleError(`setup module ${href}: its dispatcher export must be a function, got ${typeof fn}`);
  return fn as SetupDispatcher;
}

/** Calls the module's `dispatcher(defaultDispatcher)` and checks that it gave a Dispatcher. */
export async function customDispatcher(href: string, fn: SetupDispatcher, defaultDispatcher: Dispatcher): Promise<Dispatcher> {
  let made: unknown;
  try {
    made = await fn(defaultDispatcher);
  } catch (error) {
    throw new SetupModuleError(`setup module ${href}: dispatcher() threw: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (made === null || typeof made !== 'object' || typeof (made as Dispatcher).dispatch !== 'function') {
    throw new SetupModuleError(
      `setup module ${href}: dispatcher() must return an undici Dispatcher (an object with dispatch(), such as an Agent or a MockAgent), got ${made === null ? 'null' : typeof made}`,
    );
  }
  return made as Dispatcher;
}

/**
 * A setup failure is found once and cached: each request it fails gets its own copy, naming that
 * request (errors carry the method and URL they belong to).
 */
export function forRequest(error: unknown, request: RequestRef): unknown {
  return error instanceof SetupModuleError ? new SetupModuleError(error.message, { cause: error.cause, request }) : error;
}
