/**
 * The worker entry, loaded by Piscina when it starts a thread. The worker opens its lane (a
 * MessageChannel) and hands one end to the main thread; batches of request specs arrive on it and
 * results leave on it, coalesced per event-loop turn, or at once when nothing else is running here.
 */
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { headersLine, debugLog as log } from '../debug-log.js';
import { serializeError } from '../error-wire.js';
import { AbortedError, CallbackError, TimeoutError } from '../errors.js';
import {
  type CancelMessage,
  type CancelReason,
  type DrainedMessage,
  epochNow,
  type HelloMessage,
  type LaneMessage,
  MessageType,
  type ProgressMessage,
  type RequestSpec,
  type ResultEnvelope,
  type ResultsMessage,
  type WorkerBootData,
} from '../protocol/messages.js';
import { redactUrl } from '../redact.js';
import { Cancellation } from '../runtime/cancellation.js';
import { configureAgents } from '../runtime/dispatchers.js';
import { heartbeat } from '../runtime/heartbeat.js';
import { type PackedResult, runRequest } from '../runtime/run-request.js';
import { runTask } from '../runtime/run-task.js';

const boot = workerData as WorkerBootData;
configureAgents(boot.agent);

/** In-flight requests of this worker, by id, with what cancelling them needs. */
const inflight = new Map<number, { cancellation: Cancellation; method: string; url: string }>();

heartbeat.start();

const { port1: lane, port2 } = new MessageChannel();
lane.on('message', (message: LaneMessage) => {
  if (message.type === MessageType.batch) runBatch(message.specs);
  else if (message.type === MessageType.cancel) cancel(message);
  else if (message.type === MessageType.drain) void drain();
});
// Hello once this module has finished evaluating: the main thread may end a worker that said hello,
// and ending one still inside Node's module loader can abort the process.
setImmediate(() => {
  parentPort?.postMessage({ type: MessageType.hello, threadId, port: port2, heartbeat: heartbeat.buffer } satisfies HelloMessage, [port2]);
});

function cancel(message: CancelMessage): void {
  for (const id of message.ids) {
    const entry = inflight.get(id);
    log('request %d %s: %s', id, message.reason, entry ? 'aborting' : 'already done');
    if (entry) entry.cancellation.abort(reasonFor(message.reason, entry));
  }
}

function reasonFor(reason: CancelReason, request: { method: string; url: string }): Error {
  const ref = { method: request.method, url: request.url };
  if (reason === 'timeout') return new TimeoutError('request timed out', { request: ref });
  if (reason === 'close') return new AbortedError('request aborted by close({ force: true })', { request: ref });
  return new AbortedError('request cancelled', { request: ref });
}

/**
 * At close: answers once what this thread wrote to stdout and stderr has reached the main thread. A
 * worker's stdio goes to the main thread by message, a chunk at a time, the next waiting for the
 * previous one's acknowledgement: lines written just before the pool ends the thread would be lost.
 * An empty write's callback runs once every write before it is through.
 */
async function drain(): Promise<void> {
  const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  lane.postMessage({ type: MessageType.drained } satisfies DrainedMessage);
}

const sendProgress = (message: ProgressMessage): void => lane.postMessage(message);

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

/** Posts results on the lane; a result that cannot be cloned fails alone, with a CallbackError. */
function post(batch: PackedResult[]): void {
  const stamp = epochNow();
  const results: ResultEnvelope[] = [];
  let moved: Set<ArrayBuffer> | undefined;
  for (const r of batch) {
    r.envelope.times[4] = stamp;
    results.push(r.envelope);
    if (r.transfer.length > 0) {
      moved ??= new Set();
      for (const buffer of r.transfer) moved.add(buffer);
    }
  }
  try {
    // Each buffer once: two results may name the same one.
    lane.postMessage({ type: MessageType.results, results } satisfies ResultsMessage, moved ? [...moved] : undefined);
  } catch {
    for (const r of batch) {
      try {
        lane.postMessage(message(r), r.transfer as ArrayBuffer[]);
      } catch (error) {
        lane.postMessage(message(uncloneable(r, error)));
      }
    }
  }
}

function uncloneable({ envelope, request }: PackedResult, error: unknown): PackedResult {
  const reason = (error as Error)?.message ?? String(error);
  const failure = new CallbackError(
    `background callback returned a value that cannot be sent to the main thread (${reason}); return plain data, bytes, or nothing`,
    { request },
  );
  return { envelope: { id: envelope.id, ok: false, error: serializeError(failure), times: envelope.times }, transfer: [], request };
}

function message(r: PackedResult): ResultsMessage {
  return { type: MessageType.results, results: [r.envelope] };
}

/** Starts every request of a batch; each result is queued for the lane as it finishes. */
function runBatch(specs: readonly RequestSpec[]): void {
  const received = epochNow();
  log('batch of %d', specs.length);
  for (const spec of specs) {
    const cancellation = new Cancellation();
    inflight.set(spec.id, { cancellation, method: spec.method, url: spec.url });
    if (log.enabled) log('request %d %s %s headers %s', spec.id, spec.method, redactUrl(spec.url), headersLine(spec.headers));
    const running = spec.run ? runTask({ ...spec, run: spec.run }, cancellation, received) : runRequest(spec, cancellation, received, sendProgress);
    void running.then((result) => {
      inflight.delete(spec.id);
      if (log.enabled) log('request %d %s', spec.id, result.envelope.ok ? `done ${result.envelope.status}` : `failed ${result.envelope.error.code}`);
      pending.push(result);
      // Nothing else running here: no one to wait for. Otherwise gather what finishes this turn.
      if (inflight.size === 0) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
  }
}

/** Piscina needs a task handler; threadfetch sends no Piscina tasks, so this one only says so. */
export default function handler(): never {
  throw new Error('threadfetch workers take requests on their lane, not as Piscina tasks');
}
