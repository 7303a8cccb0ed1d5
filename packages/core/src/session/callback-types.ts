/**
 * Types that carry a callbacks module's export names into `background` and their return types into
 * `res.data`: `new FuturesSession<typeof import('./callbacks.js')>({ callbacks: ... })`.
 */
import type { ResponseSnapshot } from '@threadfetch/worker';
import type { Future } from '../future/future.js';
import type { Response } from '../response/response.js';

/** Any callbacks module; the default, which allows any name and types `res.data` as unknown. */
export type AnyCallbacks = Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: matching any function's parameters
type AnyFunction = (...args: any[]) => unknown;

/** The exported function names of a callbacks module. */
export type CallbackNames<M> = string extends keyof M ? string : { [K in keyof M]: M[K] extends AnyFunction ? K : never }[keyof M] & string;

/** What `background` accepts: the built-ins `json` and `text`, or a function the module exports. */
export type BackgroundName<M> = 'json' | 'text' | CallbackNames<M>;

/** The type of `res.data` for a `background` name: the callback's awaited return type. */
export type DataOf<M, B> = [B] extends [undefined]
  ? undefined
  : B extends 'text'
    ? string
    : B extends 'json'
      ? unknown
      : string extends keyof M
        ? unknown
        : B extends keyof M
          ? M[B] extends AnyFunction
            ? Awaited<ReturnType<M[B]>>
            : never
          : never;

/**
 * What `session.run(name, ...)` accepts in place of a parameter of type `P`: the value, a future of
 * it, or for a {@link ResponseSnapshot} parameter, the future of a request (its response is passed as one).
 */
export type RunArg<P> = P | Future<unknown, P> | (P extends ResponseSnapshot<infer D> ? Future<D, Response<D>> : never);

/** The arguments of the export `N` of `M` (its parameters, `this` aside), each as a {@link RunArg}. */
export type RunArgs<M, N> = string extends keyof M
  ? unknown[]
  : N extends keyof M
    ? M[N] extends (...args: infer A) => unknown
      ? { [K in keyof A]: RunArg<A[K]> }
      : never
    : never;

/** What the future of `session.run(N, ...)` resolves with: the export's awaited return value. */
export type RunResult<M, N> = string extends keyof M ? unknown : N extends keyof M ? (M[N] extends AnyFunction ? Awaited<ReturnType<M[N]>> : never) : never;
