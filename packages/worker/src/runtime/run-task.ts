/** Runs one session.run() spec in the worker: calls the callbacks module's export with its arguments. */
import { serializeError } from '../error-wire.js';
import { CallbackError, type RequestRef, ThreadfetchError } from '../errors.js';
import { epochNow, type RequestSpec, type RunSpec, type SuccessEnvelope } from '../protocol/messages.js';
import type { CallbackContext } from './background-response.js';
import { findExport } from './callbacks.js';
import type { Cancellation } from './cancellation.js';
import { setupDispatcherFor } from './dispatchers.js';
import { followUp } from './follow-up.js';
import { runCallback } from './heartbeat.js';
import { openHooks } from './hooks.js';
import { type PackedResult, transferable } from './run-request.js';

/** What a run's function gets as `this`: its signal, follow-up requests, and the caller's hooks. */
export type RunContext = CallbackContext;

/**
 * A request's response as a run receives it when its future is among the run's arguments: plain,
 * cloneable data. The body is a copy (the Response on the main thread keeps its own).
 */
export interface ResponseSnapshot<D = unknown> {
  readonly status: number;
  readonly statusText: string;
  /** true for a 2xx status. */
  readonly ok: boolean;
  /** Lower-case names; repeated headers joined with `, ` (of several set-cookie, the last). */
  readonly headers: Readonly<Record<string, string>>;
  /** The final URL. */
  readonly url: string;
  readonly redirected: boolean;
  /** The body bytes; empty when the body was dropped or saved. */
  readonly body: Uint8Array;
  /** What the request's background callback returned; undefined without one. */
  readonly data: D;
}

const noHeaders: SuccessEnvelope['headers'] = Object.freeze({});

/**
 * Calls `spec.run.name` with `this` set to its {@link RunContext} and the arguments spread, and packs
 * its awaited value (bytes in it transferred). A function that throws or rejects fails the run with
 * TF_ERR_CALLBACK_FAILED; once the run is cancelled or past its deadline, it fails with that reason at
 * once (runCallback), and the executor's rules for a worker that keeps it apply as to a callback.
 */
export async function runTask(spec: RequestSpec & { readonly run: RunSpec }, signal: Cancellation, received: number): Promise<PackedResult> {
  const request: RequestRef = { method: spec.method, url: spec.url };
  const times: [number, number, number, number, number] = [received, 0, 0, 0, 0];
  const { run } = spec;
  const hooks = openHooks(spec.hooks, spec.hookNames);
  try {
    // As for requests: the setup module first, so what it starts is there when the callbacks load.
    if (spec.setup !== undefined) await setupDispatcherFor(spec.transport, spec.setup, request);
    const fn = await findExport(run.name, spec.callbacks, request, 'run');
    const ctx: RunContext = {
      get signal() {
        return signal.signal;
      },
      hooks: hooks.hooks,
      request: (follow) => followUp(follow, run.base, spec.transport, signal, spec.setup),
    };
    times[1] = epochNow();
    let data: unknown;
    try {
      data = await runCallback(() => fn.apply(ctx, run.args as unknown[]), signal, spec.id);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new CallbackError(`run "${run.name}" failed: ${(error as Error)?.message ?? error}`, { cause: error, request });
    }
    if (signal.aborted) throw signal.reason;
    times[2] = times[3] = epochNow();
    const transfer: ArrayBuffer[] = [];
    const envelope: SuccessEnvelope = {
      id: spec.id,
      ok: true,
      status: 0,
      headers: noHeaders,
      times,
      ...(data === undefined ? {} : { data: transferable(data, transfer) }),
    };
    return { envelope, transfer, request };
  } catch (error) {
    const wrapped =
      error instanceof ThreadfetchError
        ? error
        : new CallbackError(`run "${run.name}" failed: ${(error as Error)?.message ?? error}`, { cause: error, request });
    return { envelope: { id: spec.id, ok: false, error: serializeError(wrapped), times }, transfer: [], request };
  } finally {
    hooks.release();
  }
}
