/** session.stream(): a response that resolves at its headers, with the body as a web ReadableStream fed from the worker. */
import type { MessagePort } from 'node:worker_threads';
import { toHeaders } from '@threadfetch/worker';
import { deserializeError, type StreamMessage, StreamMessageType } from '@threadfetch/worker/protocol';

type Head = Extract<StreamMessage, { type: 'head' }>;

/** The response of `session.stream()`; `body` is read as it arrives, with backpressure to the worker. */
export class StreamResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly redirected: boolean;
  /** The decoded body, chunk by chunk (each chunk transferred from the worker). Cancel it to stop the download. */
  readonly body: ReadableStream<Uint8Array>;
  readonly #rawHeaders: Head['headers'];
  #headers: Headers | undefined;

  /** @internal */
  constructor(head: Head, body: ReadableStream<Uint8Array>) {
    this.status = head.status;
    this.statusText = head.statusText;
    this.url = head.url;
    this.redirected = head.redirected;
    this.#rawHeaders = head.headers;
    this.body = body;
  }

  /** true for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get headers(): Headers {
    this.#headers ??= toHeaders(this.#rawHeaders);
    return this.#headers;
  }
}

/**
 * Listens on the main side of a stream port: calls `onHead` once with the response, whose body the
 * worker's chunks feed; each chunk read sends one credit back. Errors after the head error the body.
 */
export function receiveStream(port: MessagePort, onHead: (res: StreamResponse) => void, onError: (error: Error) => void): void {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let opened = false;
  let finished = false;
  const finish = () => {
    finished = true;
    port.close();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (!finished) port.postMessage({ type: StreamMessageType.credit, n: 1 } satisfies StreamMessage);
      },
      cancel() {
        if (!finished) port.postMessage({ type: StreamMessageType.cancel } satisfies StreamMessage);
        finish();
      },
    },
    { highWaterMark: 0 },
  );
  port.on('message', (message: StreamMessage) => {
    if (finished) return;
    switch (message.type) {
      case StreamMessageType.head:
        opened = true;
        onHead(new StreamResponse(message, body));
        break;
      case StreamMessageType.chunk:
        controller.enqueue(message.chunk);
        break;
      case StreamMessageType.end:
        controller.close();
        finish();
        break;
      case StreamMessageType.error: {
        const error = deserializeError(message.error);
        if (opened) controller.error(error);
        else onError(error);
        finish();
        break;
      }
    }
  });
}
