/**
 * The Piscina worker entry. Each task is a batch of request specs; results go back as they finish,
 * coalesced per event-loop turn, and the batch's last results ride on the task's return value.
 */
import { debuglog } from 'node:util';
import { BroadcastChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { serializeError } from '../error-wire.js';
import { AbortedError, CallbackError, TimeoutError } from '../errors.js';
import { CancelBoard } from '../protocol/cancel-board.js';
import { LoadBoard } from '../protocol/load-board.js';
import {
  type BatchTask,
  type CancelReason,
  type ControlMessage,
  epochNow,
  MessageType,
  type ResultsMessage,
  type WorkerBootData,
} from '../protocol/messages.js';
import { redactHeaders, redactUrl } from '../redact.js';
import { configureAgents } from '../runtime/dispatchers.js';
import { type PackedResult, runRequest } from '../runtime/run-request.js';

const log = debuglog('threadfetch');
const boot = workerData as WorkerBootData;
configureAgents(boot.agent);
const board = new CancelBoard(boot.cancelBoard);
const load = new LoadBoard(boot.loadBoard);
load.claim(threadId);

/** In-flight requests of this worker, by id, with what cancelling them needs. */
const inflight = new Map<number, { controller: AbortController; method: string; url: string }>();

const control = new BroadcastChannel(boot.controlChannel);
control.unref();
control.onmessage = (event) => {
  const message = (event as { data: ControlMessage }).data;
  if (message.type !== MessageType.cancel) return;
  for (const id of message.ids) {
    const entry = inflight.get(id);
    if (entry) entry.controller.abort(reasonFor(message.reason, entry));
  }
};

function reasonFor(reason: CancelReason, request: { method: string; url: string }): Error {
  const ref = { method: request.method, url: request.url };
  if (reason === 'timeout') return new TimeoutError('request timed out', { request: ref });
  if (reason === 'close') return new AbortedError('request aborted by close({ force: true })', { request: ref });
  return new AbortedError('request cancelled', { request: ref });
}

/** Results waiting for the end of this event-loop turn. */
let pending: PackedResult[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  post(batch);
}

/** Posts results on parentPort; a result that cannot be cloned fails alone, with a CallbackError. */
function post(batch: PackedResult[]): void {
  const stamp = epochNow();
  for (const r of batch) r.envelope.times[4] = stamp;
  try {
    parentPort?.postMessage(message(batch), transfers(batch));
  } catch {
    for (const r of batch) {
      try {
        parentPort?.postMessage(message([r]), r.transfer);
      } catch (error) {
        parentPort?.postMessage(message([uncloneable(r, error)]));
      }
    }
  }
}

/** The buffers a batch moves; each once (two results may name the same one). */
function transfers(batch: PackedResult[]): ArrayBuffer[] {
  return batch.length === 1 ? (batch[0]?.transfer ?? []) : [...new Set(batch.flatMap((r) => r.transfer))];
}

function uncloneable({ envelope, request }: PackedResult, error: unknown): PackedResult {
  const reason = (error as Error)?.message ?? String(error);
  const failure = new CallbackError(
    `background callback returned a value that cannot be sent to the main thread (${reason}); return plain data, bytes, or nothing`,
    { request },
  );
  return { envelope: { id: envelope.id, ok: false, error: serializeError(failure), times: envelope.times }, transfer: [], safe: true, request };
}

function message(batch: PackedResult[]): ResultsMessage {
  return { type: MessageType.results, results: batch.map((r) => r.envelope) };
}

/** Runs a batch; resolves when its last request is done, carrying the results still waiting to be sent. */
export default function runBatch(task: BatchTask): Promise<unknown> {
  const received = epochNow();
  let remaining = task.specs.length;
  load.add(remaining);
  log('thread %d: batch of %d', threadId, remaining);
  return new Promise((resolve) => {
    for (const spec of task.specs) {
      const controller = new AbortController();
      const entry = { controller, method: spec.method, url: spec.url };
      inflight.set(spec.id, entry);
      // Cancelled before it got here (the broadcast went out before this worker listened): never sent.
      const early = board.reasonFor(spec.id);
      if (early) controller.abort(reasonFor(early, entry));
      if (log.enabled) log('thread %d: request %d %s %s headers %o', threadId, spec.id, spec.method, redactUrl(spec.url), redactHeaders(spec.headers));
      void runRequest(spec, controller.signal, received).then((result) => {
        inflight.delete(spec.id);
        load.add(-1);
        if (log.enabled)
          log('thread %d: request %d %s', threadId, spec.id, result.envelope.ok ? `done ${result.envelope.status}` : `failed ${result.envelope.error.code}`);
        remaining -= 1;
        if (remaining > 0 || !result.safe || pending.some((r) => !r.safe)) {
          pending.push(result);
          if (remaining === 0) flush();
          else if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flush);
          }
          if (remaining === 0) resolve(null);
          return;
        }
        const batch = [...pending, result];
        pending = [];
        const stamp = epochNow();
        for (const r of batch) r.envelope.times[4] = stamp;
        resolve(move({ [transferableSymbol]: transfers(batch), [valueSymbol]: message(batch) } as never));
      });
    }
  });
}
