/** Runs one request spec in the worker: open, consume the body, call back, and pack the result envelope. */

import { STATUS_CODES } from 'node:http';
import { pipeline, type Readable, Transform } from 'node:stream';
import { serializeError } from '../error-wire.js';
import { CallbackError, InvalidArgumentError, type RequestRef, ThreadfetchError } from '../errors.js';
import { epochNow, type FailureEnvelope, type ProgressMessage, type RequestSpec, type ResultEnvelope, type SuccessEnvelope } from '../protocol/messages.js';
import { type StreamMessage, StreamMessageType } from '../protocol/stream.js';
import {
  type BackgroundCallback,
  type CallbackContext,
  isStreaming,
  type StreamingBackgroundResponse,
  toHeaders,
  WorkerResponse,
} from './background-response.js';
import { discard, type OnBytes, readAll, saveFile, streamToPort } from './body-sinks.js';
import { findCallback } from './callbacks.js';
import type { Cancellation } from './cancellation.js';
import { openWithJar } from './cookie-hops.js';
import { setupDispatcherFor } from './dispatchers.js';
import { failure } from './failures.js';
import { followUp } from './follow-up.js';
import { heartbeat, runCallback } from './heartbeat.js';
import { openHooks } from './hooks.js';
import { type OpenResponse, open } from './http.js';
import { progressReporter, reporter } from './progress.js';
import { isStreamBody } from './request-body.js';
import { RequestLog } from './request-log.js';
import { wholeBody } from './upload-source.js';

/** An envelope ready to post, with what can be transferred and whether the data is known to clone. */
export interface PackedResult {
  readonly envelope: ResultEnvelope;
  readonly transfer: readonly ArrayBuffer[];
  /** The method and URL, for an error raised while posting. */
  readonly request: RequestRef;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Bodies from this size up are transferred; smaller ones are copied with the message. */
const transferThreshold = 16 * 1024;
const empty = new Uint8Array(0);
/** What a result without bytes to move transfers; never added to. */
const noTransfer: readonly ArrayBuffer[] = Object.freeze([]);

/** Runs one request; progress (when asked for) goes out through `sendProgress`, ahead of the result. */
export async function runRequest(
  spec: RequestSpec,
  signal: Cancellation,
  received: number,
  sendProgress: (message: ProgressMessage) => void,
): Promise<PackedResult> {
  const request: RequestRef = { method: spec.method, url: spec.url };
  const times: [number, number, number, number, number] = [received, 0, 0, 0, 0];
  const blockedBefore = heartbeat.blockedMs;
  const hooks = openHooks(spec.hooks, spec.hookNames);
  let opened: OpenResponse | undefined;
  const log = spec.log ? new RequestLog() : undefined;
  try {
    // The setup module goes first: what it starts (an SDK, say) is there when the callbacks module loads.
    if (spec.setup !== undefined) await setupDispatcherFor(spec.transport, spec.setup, request);
    const fn = spec.background === undefined ? undefined : await findCallback(spec.background, spec.callbacks, request);
    if (fn && (spec.saveTo !== undefined || spec.stream)) {
      throw new InvalidArgumentError(
        `background cannot be combined with ${spec.stream ? 'session.stream()' : 'saveTo'}; a streaming callback can consume or write the body itself`,
        { request },
      );
    }
    const withBody = spec.bufferBody && isStreamBody(spec.body) ? { ...spec, body: await wholeBody(spec.body, request, signal) } : spec;
    const out = log ? { ...withBody, requestLog: log } : withBody;
    opened = spec.cookies ? await openWithJar(out, signal, spec.cookies) : await open(out, signal);
    times[1] = epochNow();
    const port = spec.stream;
    const progress = spec.progress ? progressReporter(opened.length, reporter(spec, sendProgress)) : undefined;
    const onBytes = progress?.onBytes;
    const ctx: CallbackContext | undefined = fn && {
      get signal() {
        return signal.signal;
      },
      hooks: hooks.hooks,
      request: (follow) => followUp(follow, opened?.url ?? spec.url, spec.transport, signal, spec.setup),
    };
    let body: Uint8Array = empty;
    let data: unknown;
    if (port) {
      port.postMessage(head(opened) satisfies StreamMessage);
      const whole = await streamToPort(opened.body, port, signal, onBytes);
      progress?.flush();
      if (whole) port.postMessage({ type: StreamMessageType.end } satisfies StreamMessage);
    } else if (fn && isStreaming(fn)) {
      const source = callbackBody(opened.body, onBytes);
      data = await call(() => fn(streamingResponse(opened as OpenResponse, source.body), ctx!), spec, signal, request, source.failure);
      discard(source.body);
      discard(opened.body);
    } else if (spec.saveTo !== undefined) {
      await saveFile(opened.body, spec.saveTo, request, onBytes);
    } else {
      body = await readAll(opened.body, spec.transport.maxResponseSize, request, onBytes);
    }
    progress?.flush();
    times[2] = epochNow();
    // The callbacks of others that ran while this request waited on its response (its own comes after).
    const blocked = heartbeat.blockedMs - blockedBefore;
    if (fn && !isStreaming(fn)) {
      const res = new WorkerResponse({ ...opened, body });
      data = await call(() => (fn as BackgroundCallback)(res, ctx!), spec, signal, request);
    }
    if (fn) times[3] = epochNow();
    const kept = spec.keepBody !== false && body.byteLength > 0 ? body : undefined;
    // Small bodies are cheaper to copy than to move: a transfer detaches and re-wraps the buffer.
    let transfer = kept && kept.byteLength >= transferThreshold ? [kept.buffer as ArrayBuffer] : undefined;
    if (data !== undefined) {
      transfer ??= [];
      data = transferable(data, transfer);
    }
    const envelope: Writable<SuccessEnvelope> = { id: spec.id, ok: true, status: opened.status, headers: opened.headers, times };
    if (opened.statusText && opened.statusText !== STATUS_CODES[opened.status]) envelope.statusText = opened.statusText;
    if (opened.url !== spec.url) envelope.url = opened.url;
    if (opened.redirected) envelope.redirected = true;
    if (blocked >= 0.05) envelope.blocked = blocked;
    if (kept) envelope.body = kept;
    if (data !== undefined) envelope.data = data;
    if (log) envelope.log = log.record();
    return { envelope, transfer: transfer ?? noTransfer, request };
  } catch (error) {
    if (opened) discard(opened.body);
    const wrapped = error instanceof ThreadfetchError ? error : failure(error, signal, request, spec.transport, opened ? 'body' : 'head');
    const serialized = serializeError(wrapped);
    spec.stream?.postMessage({ type: StreamMessageType.error, error: serialized } satisfies StreamMessage);
    const envelope: Writable<FailureEnvelope> = { id: spec.id, ok: false, error: serialized, times };
    if (log) envelope.log = log.record();
    return { envelope, transfer: noTransfer, request };
  } finally {
    hooks.release();
    spec.stream?.close();
  }
}

/**
 * Runs a user callback; what it throws becomes a CallbackError (or the abort reason, if aborted: an
 * abort ends the wait for the callback's promise at once, see runCallback). A
 * streaming callback that throws the error its body failed with (or one caused by it) fails as reading
 * the body would have without a callback: TF_ERR_BODY_INCOMPLETE, TF_ERR_BODY_TIMEOUT, ...
 */
async function call(run: () => unknown, spec: RequestSpec, signal: Cancellation, request: RequestRef, bodyFailure?: () => unknown): Promise<unknown> {
  let data: unknown;
  try {
    data = await runCallback(run, signal, spec.id);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const fault = bodyFailure?.();
    if (fault !== undefined && causedBy(error, fault)) throw failure(fault, signal, request, spec.transport, 'body');
    throw new CallbackError(`background callback "${spec.background}" failed: ${(error as Error)?.message ?? error}`, { cause: error, request });
  }
  if (signal.aborted) throw signal.reason;
  return data;
}

function head(opened: OpenResponse): StreamMessage {
  const res = new WorkerResponse({ ...opened, body: empty });
  return { type: StreamMessageType.head, status: res.status, statusText: res.statusText, headers: opened.headers, url: res.url, redirected: res.redirected };
}

/** true when `error` is `fault`, or has it in its chain of causes. */
function causedBy(error: unknown, fault: unknown): boolean {
  let e = error;
  for (let depth = 0; depth < 16 && e !== null && typeof e === 'object'; depth++, e = (e as { cause?: unknown }).cause) if (e === fault) return true;
  return false;
}

/**
 * The body a streaming callback reads: counted for progress when asked for, and watched for the
 * error it fails with (a cut connection, a stall), so that failure is reported as the body's.
 */
function callbackBody(body: Readable, onBytes: OnBytes | undefined): { body: Readable; failure(): unknown } {
  let fault: unknown;
  body.once('error', (error) => (fault ??= error));
  if (!onBytes) return { body, failure: () => fault };
  let size = 0;
  const counter = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      size += chunk.byteLength;
      onBytes(size);
      done(null, chunk);
    },
  });
  // The source's error destroys the counter with that same error: the callback sees it as it is.
  return { body: pipeline(body, counter, noop), failure: () => fault };
}

function noop(): void {}

function streamingResponse(opened: OpenResponse, body: Readable): StreamingBackgroundResponse {
  const res = new WorkerResponse({ ...opened, body: empty });
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: toHeaders(opened.headers),
    url: res.url,
    redirected: res.redirected,
    body,
  };
}

/**
 * Bytes returned by a callback are moved, not copied. A view over part of a larger buffer (a pooled
 * Buffer) is copied first, so the pool is not dragged along or detached.
 */
export function transferable(data: unknown, transfer: ArrayBuffer[]): unknown {
  if (data instanceof ArrayBuffer) {
    if (!transfer.includes(data)) transfer.push(data);
    return data;
  }
  if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) {
    if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
      // The callback may return the body itself: that buffer is already in the list.
      if (!transfer.includes(data.buffer)) transfer.push(data.buffer);
      return data;
    }
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    transfer.push(copy.buffer);
    return copy;
  }
  return data;
}
