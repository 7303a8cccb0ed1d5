/**
 * session.run()'s arguments on the main thread: the futures among them awaited and replaced by their
 * values, then checked and made ready to cross to a worker (the caller's bytes moved, not copied).
 */
import { DependencyError, InvalidArgumentError, type RequestRef, type ResponseSnapshot } from '@threadfetch/worker';
import { Future, kControl } from '../future/future.js';
import { Response } from '../response/response.js';

/** Arguments with their future values in place; `fromFutures[i]` when argument i was a future. */
export interface SettledArguments {
  readonly values: unknown[];
  readonly fromFutures: readonly boolean[];
}

/**
 * Calls `done` once every future among `args` (top level only) has settled: with the values in place
 * (a request's response as a {@link ResponseSnapshot}), or with a DependencyError, `cause` the error
 * of the first one to fail. At once when there is none. Returns a function that stops the wait.
 */
export function awaitArguments(args: readonly unknown[], ref: RequestRef, done: (result: SettledArguments | Error) => void): () => void {
  const values = [...args];
  const fromFutures = args.map((arg) => arg instanceof Future);
  let left = fromFutures.filter(Boolean).length;
  let stopped = false;
  if (left === 0) done({ values, fromFutures });
  args.forEach((arg, i) => {
    if (!(arg instanceof Future)) return;
    arg[kControl].onSettle((error, value) => {
      if (stopped) return;
      if (error) {
        stopped = true;
        const which = `${arg.request.method} ${arg.request.url}`;
        done(new DependencyError(`argument ${i} (${which}) failed: ${error.message}; the run never started`, { cause: error, request: ref }));
        return;
      }
      values[i] = value instanceof Response ? snapshot(value) : value;
      left -= 1;
      if (left === 0) {
        stopped = true;
        done({ values, fromFutures });
      }
    });
  });
  return () => {
    stopped = true;
  };
}

/** A response as plain, cloneable data. */
function snapshot(res: Response): ResponseSnapshot {
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: Object.fromEntries(res.headers),
    url: res.url,
    redirected: res.redirected,
    body: res.body,
    data: res.data,
  };
}

/**
 * The arguments as they will arrive in the worker, and the buffers to transfer with them. The caller's
 * own ArrayBuffers and whole typed-array views (top level) are moved: they are detached here. Values
 * that came from futures are copied, so that the futures keep theirs. Throws InvalidArgumentError
 * naming the first argument that cannot be cloned (a function, a Promise, a symbol), or that holds a
 * future inside it (only top-level futures are awaited; cloned, one would arrive as an empty object).
 */
export function movableArguments(name: string, settled: SettledArguments): { args: unknown[]; transfer: ArrayBuffer[] } {
  const { values, fromFutures } = settled;
  values.forEach((value, i) => {
    const path = fromFutures[i] ? undefined : futureInside(value, `argument ${i}`, 0);
    if (path !== undefined) {
      throw new InvalidArgumentError(`run("${name}"): ${path} is a Future; only futures passed as arguments themselves are awaited: pass it as one`);
    }
  });
  const transfer: ArrayBuffer[] = [];
  const moved: number[] = [];
  values.forEach((value, i) => {
    if (fromFutures[i]) return;
    const buffer = wholeBuffer(value);
    if (buffer && !transfer.includes(buffer)) {
      transfer.push(buffer);
      moved.push(i);
    }
  });
  let args: unknown[];
  try {
    args = structuredClone(values, { transfer });
  } catch (error) {
    const at = values.findIndex((value) => !cloneable(value));
    const what = at === -1 ? 'the arguments' : `argument ${at} (${describe(values[at])})`;
    throw new InvalidArgumentError(
      `run("${name}"): ${what} cannot be sent to a worker: ${(error as Error)?.message ?? error}; pass plain data, bytes, or futures`,
    );
  }
  const clonedBuffers = new Set<ArrayBuffer>();
  for (const i of moved) {
    const buffer = wholeBuffer(args[i]);
    if (buffer) clonedBuffers.add(buffer);
  }
  return { args, transfer: [...clonedBuffers] };
}

/** Levels of arrays and plain objects looked into for a future, and entries looked at per level. */
const lookDepth = 3;
const lookWidth = 1_000;

/** Where a Future sits inside `value` (arrays and plain objects, a few levels down), or undefined. */
function futureInside(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 0 && value instanceof Future) return path;
  if (depth >= lookDepth || value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, lookWidth); i++) {
      const found = futureInside(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const key of Object.keys(value).slice(0, lookWidth)) {
    const found = futureInside((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The ArrayBuffer `value` is, or wholly views; undefined for anything else (a view over part of one is copied). */
function wholeBuffer(value: unknown): ArrayBuffer | undefined {
  if (value instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
    return value.buffer;
  }
  return undefined;
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return typeof value;
  if (typeof value === 'function') return 'a function';
  if (value instanceof Promise) return 'a Promise; pass a Future';
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? `an object (${name})` : 'an object';
}
