/** What a worker process pushes to a producer's result list (v8-encoded, see codec.ts). */
import type { ResultEnvelope } from '@threadfetch/worker/protocol';

export interface QueueResultMessage {
  /** The BullMQ job id, which the producer chose. */
  readonly job: string;
  /** The request's result, as the local executor's threads return it. */
  readonly result: ResultEnvelope;
}
