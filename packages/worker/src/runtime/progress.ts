/** Download progress of a request, reported at most every 100 ms: on the lane, or on a stream's own port. */
import { MessageType, type ProgressMessage, type RequestSpec } from '../protocol/messages.js';
import { type StreamMessage, StreamMessageType } from '../protocol/stream.js';
import type { OnBytes } from './body-sinks.js';

const progressInterval = 100;

/** Sends one progress report: on the lane, or on a stream's own port. */
export type ReportProgress = (loaded: number, total: number | undefined) => void;

/** A stream's progress goes on its port, in order with its chunks, so the last report comes before the end. */
export function reporter(spec: RequestSpec, sendProgress: (message: ProgressMessage) => void): ReportProgress {
  const port = spec.stream;
  if (port) return (loaded, total) => port.postMessage({ type: StreamMessageType.progress, loaded, total } satisfies StreamMessage);
  return (loaded, total) => sendProgress({ type: MessageType.progress, id: spec.id, loaded, total });
}

/** Reports progress at most every 100 ms; `flush` reports the last count if it was not reported. */
export function progressReporter(total: number | undefined, report: ReportProgress): { onBytes: OnBytes; flush(): void } {
  let last = 0;
  let pending: NodeJS.Timeout | undefined;
  let loaded = 0;
  let posted = -1;
  const send = () => {
    clearTimeout(pending);
    pending = undefined;
    if (posted === loaded) return;
    posted = loaded;
    last = Date.now();
    report(loaded, total);
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
