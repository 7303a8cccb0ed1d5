/** Runs one request spec in the worker: send, read, call back, and pack the result envelope. */
import { CallbackError, type RequestRef, serializeError, ThreadfetchError } from '../errors.js';
import { epochNow, type RequestSpec, type ResultEnvelope, type TransportSpec } from '../protocol/messages.js';
import { type BackgroundResponse, type CallbackContext, type FollowUpRequest, WorkerResponse } from './background-response.js';
import { findCallback } from './callbacks.js';
import { send } from './http.js';

/** An envelope ready to post, with what can be transferred and whether the data is known to clone. */
export interface PackedResult {
  readonly envelope: ResultEnvelope;
  readonly transfer: ArrayBuffer[];
  /** false when a user callback produced `data`: posting may fail with DataCloneError. */
  readonly safe: boolean;
}

export async function runRequest(spec: RequestSpec, signal: AbortSignal, received: number): Promise<PackedResult> {
  const request: RequestRef = { method: spec.method, url: spec.url };
  const marks = { headers: 0, body: 0 };
  let callbackDone = 0;
  try {
    const raw = await send(spec, signal, marks);
    const res = new WorkerResponse(raw);
    let data: unknown;
    let safe = true;
    if (spec.background !== undefined) {
      const fn = await findCallback(spec.background, spec.callbacks, request);
      safe = spec.background === 'json' || spec.background === 'text';
      try {
        data = await fn(res, context(signal, res.url, spec.transport));
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw new CallbackError(`background callback "${spec.background}" failed: ${(error as Error)?.message ?? error}`, { cause: error, request });
      }
      if (signal.aborted) throw signal.reason;
      callbackDone = epochNow();
    }
    const transfer: ArrayBuffer[] = [];
    const body = spec.keepBody ? res.body : undefined;
    if (body) transfer.push(body.buffer as ArrayBuffer);
    data = transferable(data, transfer);
    const envelope: ResultEnvelope = {
      id: spec.id,
      ok: true,
      status: res.status,
      statusText: res.statusText,
      headers: res.rawHeaders,
      url: res.url,
      redirected: res.redirected,
      body,
      data,
      times: [received, marks.headers, marks.body, callbackDone, 0],
    };
    return { envelope, transfer, safe };
  } catch (error) {
    const wrapped =
      error instanceof ThreadfetchError
        ? error
        : new CallbackError(`request failed in the worker: ${(error as Error)?.message ?? error}`, { cause: error, request });
    const envelope: ResultEnvelope = { id: spec.id, ok: false, error: serializeError(wrapped), times: [received, marks.headers, marks.body, callbackDone, 0] };
    return { envelope, transfer: [], safe: true };
  }
}

/**
 * Bytes returned by a callback are moved, not copied. A view over part of a larger buffer (a pooled
 * Buffer) is copied first, so the pool is not dragged along or detached.
 */
function transferable(data: unknown, transfer: ArrayBuffer[]): unknown {
  if (data instanceof ArrayBuffer) {
    transfer.push(data);
    return data;
  }
  if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) {
    if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
      transfer.push(data.buffer);
      return data;
    }
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    transfer.push(copy.buffer);
    return copy;
  }
  return data;
}

function context(signal: AbortSignal, base: string, transport: TransportSpec): CallbackContext {
  return {
    signal,
    async request(follow: FollowUpRequest): Promise<BackgroundResponse> {
      if (follow === null || typeof follow !== 'object') throw new TypeError('ctx.request(spec) needs an object with at least { url }');
      const url = new URL(follow.url, base).href;
      const method = (follow.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(follow.headers ?? {})) headers[k.toLowerCase()] = v;
      let body = follow.body;
      if (follow.json !== undefined) {
        body = JSON.stringify(follow.json);
        headers['content-type'] ??= 'application/json';
      }
      const raw = await send({ method, url, headers, body, transport }, signal, { headers: 0, body: 0 });
      return new WorkerResponse(raw);
    },
  };
}
