/** Runs one request spec in the worker: open, consume the body, call back, and pack the result envelope. */
import { serializeError } from '../error-wire.js';
import { CallbackError, InvalidArgumentError, type RequestRef, ThreadfetchError } from '../errors.js';
import { epochNow, MessageType, type ProgressMessage, type RequestSpec, type ResultEnvelope } from '../protocol/messages.js';
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
import { failure } from './failures.js';
import { followUp } from './follow-up.js';
import { openHooks } from './hooks.js';
import { type OpenResponse, open } from './http.js';

/** An envelope ready to post, with what can be transferred and whether the data is known to clone. */
export interface PackedResult {
  readonly envelope: ResultEnvelope;
  readonly transfer: ArrayBuffer[];
  /** The method and URL, for an error raised while posting. */
  readonly request: RequestRef;
}

const progressInterval = 100;
/** Bodies from this size up are transferred; smaller ones are copied with the message. */
const transferThreshold = 16 * 1024;
const empty = new Uint8Array(0);

/** Runs one request; progress (when asked for) goes out through `sendProgress`, ahead of the result. */
export async function runRequest(
  spec: RequestSpec,
  signal: Cancellation,
  received: number,
  sendProgress: (message: ProgressMessage) => void,
): Promise<PackedResult> {
  const request: RequestRef = { method: spec.method, url: spec.url };
  const times: [number, number, number, number, number] = [received, 0, 0, 0, 0];
  const hooks = openHooks(spec.hooks, spec.hookNames);
  let opened: OpenResponse | undefined;
  try {
    const fn = spec.background === undefined ? undefined : await findCallback(spec.background, spec.callbacks, request);
    if (fn && (spec.saveTo !== undefined || spec.stream)) {
      throw new InvalidArgumentError(
        `background cannot be combined with ${spec.stream ? 'session.stream()' : 'saveTo'}; a streaming callback can consume or write the body itself`,
        { request },
      );
    }
    opened = spec.cookies ? await openWithJar(spec, signal, spec.cookies) : await open(spec, signal);
    times[1] = epochNow();
    const progress = spec.progress ? progressReporter(spec.id, opened.length, sendProgress) : undefined;
    const onBytes = progress?.onBytes;
    const ctx: CallbackContext | undefined = fn && {
      get signal() {
        return signal.signal;
      },
      hooks: hooks.hooks,
      request: (follow) => followUp(follow, opened?.url ?? spec.url, spec.transport, signal),
    };
    let body: Uint8Array = empty;
    let data: unknown;
    if (spec.stream) {
      spec.stream.postMessage(head(opened) satisfies StreamMessage);
      await streamToPort(opened.body, spec.stream, onBytes);
    } else if (fn && isStreaming(fn)) {
      data = await call(() => fn(streamingResponse(opened as OpenResponse), ctx!), spec, signal, request);
      discard(opened.body);
    } else if (spec.saveTo !== undefined) {
      await saveFile(opened.body, spec.saveTo, request, onBytes);
    } else {
      body = await readAll(opened.body, spec.transport.maxResponseSize, request, onBytes);
    }
    progress?.flush();
    times[2] = epochNow();
    const res = new WorkerResponse({ ...opened, body });
    if (fn && !isStreaming(fn)) data = await call(() => (fn as BackgroundCallback)(res, ctx!), spec, signal, request);
    if (fn) times[3] = epochNow();
    const transfer: ArrayBuffer[] = [];
    const kept = spec.keepBody && body.byteLength > 0 ? body : undefined;
    // Small bodies are cheaper to copy than to move: a transfer detaches and re-wraps the buffer.
    if (kept && kept.byteLength >= transferThreshold) transfer.push(kept.buffer as ArrayBuffer);
    data = transferable(data, transfer);
    const envelope: ResultEnvelope = {
      id: spec.id,
      ok: true,
      status: res.status,
      statusText: res.statusText,
      headers: res.rawHeaders,
      url: res.url,
      redirected: res.redirected,
      body: kept,
      data,
      times,
    };
    return { envelope, transfer, request };
  } catch (error) {
    if (opened) discard(opened.body);
    const wrapped = error instanceof ThreadfetchError ? error : failure(error, signal, request, spec.transport, opened ? 'body' : 'head');
    const serialized = serializeError(wrapped);
    spec.stream?.postMessage({ type: StreamMessageType.error, error: serialized } satisfies StreamMessage);
    return { envelope: { id: spec.id, ok: false, error: serialized, times }, transfer: [], request };
  } finally {
    hooks.release();
    spec.stream?.close();
  }
}

/** Runs a user callback; what it throws becomes a CallbackError (or the abort reason, if aborted). */
async function call(run: () => unknown, spec: RequestSpec, signal: Cancellation, request: RequestRef): Promise<unknown> {
  let data: unknown;
  try {
    data = await run();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new CallbackError(`background callback "${spec.background}" failed: ${(error as Error)?.message ?? error}`, { cause: error, request });
  }
  if (signal.aborted) throw signal.reason;
  return data;
}

function head(opened: OpenResponse): StreamMessage {
  const res = new WorkerResponse({ ...opened, body: empty });
  return { type: StreamMessageType.head, status: res.status, statusText: res.statusText, headers: opened.headers, url: res.url, redirected: res.redirected };
}

function streamingResponse(opened: OpenResponse): StreamingBackgroundResponse {
  const res = new WorkerResponse({ ...opened, body: empty });
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: toHeaders(opened.headers),
    url: res.url,
    redirected: res.redirected,
    body: opened.body,
  };
}

/** Posts progress at most every 100 ms; `flush` posts the last count if it was not posted. */
function progressReporter(id: number, total: number | undefined, sendProgress: (message: ProgressMessage) => void): { onBytes: OnBytes; flush(): void } {
  let last = 0;
  let pending: NodeJS.Timeout | undefined;
  let loaded = 0;
  const post = () => {
    last = Date.now();
    sendProgress({ type: MessageType.progress, id, loaded, total });
  };
  let posted = -1;
  const send = () => {
    clearTimeout(pending);
    pending = undefined;
    if (posted === loaded) return;
    posted = loaded;
    post();
  };
  return {
    onBytes(bytes) {
      loaded = bytes;
      if (Date.now() - last >= progressInterval) send();
      else pending ??= setTimeout(send, progressInterval);
    },
    flush: send,
  };
}

/**
 * Bytes returned by a callback are moved, not copied. A view over part of a larger buffer (a pooled
 * Buffer) is copied first, so the pool is not dragged along or detached.
 */
function transferable(data: unknown, transfer: ArrayBuffer[]): unknown {
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
