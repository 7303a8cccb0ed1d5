/**
 * Types that carry a callbacks module's export names into `background` and their return types into
 * `res.data`: `new FuturesSession<typeof import('./callbacks.js')>({ callbacks: ... })`.
 */

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
