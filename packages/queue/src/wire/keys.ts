/**
 * What producers and worker processes share in Redis, besides BullMQ's own keys. All names sit under
 * BullMQ's `{prefix}:{queue}:` so that one Redis serves many queues.
 * - Job data ({@link JobData}): the encoded spec, the producer's id and its result limit.
 * - `…:tf:results:{producer}`: a list per producer; a worker process pushes each result envelope
 *   (v8-encoded bytes) there and the producer moves it out (BLMOVE). A list keeps what a disconnected
 *   producer has not read yet, and only the producer that asked reads each result.
 * - `…:tf:processing:{producer}`: results the producer has moved out of its list (BLMOVE) and not yet
 *   acked; what a dropped connection left there is read again (see producer/result-reader.ts).
 * - `…:tf:cancel`: a pub/sub channel; a message is a job id to abort wherever it runs.
 * - `…:tf:cancelled:{jobId}`: a marker (with a TTL) that a job was cancelled, read before a job
 *   starts (it may be picked up while its cancel is on the way, or re-run after a stall).
 * - `…:tf:producer:{producer}`: set while the producer lives; found gone when its connection is ready
 *   again, it says Redis came back without its data (see producer/data-loss.ts).
 */

/** The version of this wire format, in each job's data. */
export const wireVersion = 1;

/** A job's data in BullMQ (JSON). */
export interface JobData {
  readonly v: typeof wireVersion;
  /** The producer's id: where the result goes. */
  readonly producer: string;
  /** The request spec, v8-serialized, base64. */
  readonly spec: string;
  /** Largest encoded result the producer accepts, bytes. */
  readonly maxResultBytes: number;
  /** ms a result waits in the producer's list before Redis drops it. */
  readonly resultTtl: number;
}

/** The name BullMQ jobs of threadfetch carry. */
export const jobName = 'request';

export function keyBase(prefix: string, queue: string): string {
  return `${prefix}:${queue}:tf`;
}

export function resultsKey(prefix: string, queue: string, producer: string): string {
  return `${keyBase(prefix, queue)}:results:${producer}`;
}

export function processingKey(prefix: string, queue: string, producer: string): string {
  return `${keyBase(prefix, queue)}:processing:${producer}`;
}

export function producerKey(prefix: string, queue: string, producer: string): string {
  return `${keyBase(prefix, queue)}:producer:${producer}`;
}

export function cancelChannel(prefix: string, queue: string): string {
  return `${keyBase(prefix, queue)}:cancel`;
}

export function cancelledKey(prefix: string, queue: string, jobId: string): string {
  return `${keyBase(prefix, queue)}:cancelled:${jobId}`;
}

/** How long a cancel marker lives: longer than any job may wait and stall. */
export const cancelMarkerTtlMs = 24 * 3_600_000;
