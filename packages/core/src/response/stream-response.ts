/** session.stream(): a response that resolves at its headers, with the body as a web ReadableStream fed from the worker. */
import type { MessagePort } from 'node:worker_threads';
import { toHeaders } from '@threadfetch/worker';
import { deserializeError, type StreamMessage, StreamMessageType } from '@threadfetch/worker/protocol';

type Head = Extract<StreamMessage, { type: 'head' }>;

/**
 * The response of `session.stream()`; `body` is read as it arrives, with backpressure to the worker.
 * The request lasts until the body ends, errors or is cancelled: `session.close()` waits for it; a crash
 * of its worker errors it with TF_ERR_WORKER_CRASHED, `close({ force: true })` with TF_ERR_ABORTED.
 */
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

/** What a stream port tells its request. */
export interface StreamEvents {
  /** The head arrived: the future resolves with the response. */
  head(res: StreamResponse): void;
  /** The request failed before its head: the future rejects. */
  error(error: Error): void;
  /** Bytes read by the worker so far; the last report comes before the body's end. */
  progress(loaded: number, total: number | undefined): void;
  /** Called once, when the stream is over: its body ended, errored or was cancelled, or it failed before its head. */
  done(): void;
}

/**
 * The main side of a stream port: calls `head` once with the response, whose body the worker's chunks
 * feed; each chunk read sends one credit back. The port alone settles the stream (see protocol/stream.ts):
 * the lane's result may overtake the head, so {@link StreamReceiver.settle} only keeps it as a fallback.
 */
export class StreamReceiver {
  readonly #port: MessagePort;
  readonly #events: StreamEvents;
  readonly #body: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #opened = false;
  #finished = false;
  /** The worker closed its side (its request is over, or its thread ended). */
  #peerClosed = false;
  /** What fails the stream if the port closes with neither an end nor an error: the lane's result. */
  #fallback: Error | undefined;

  constructor(port: MessagePort, events: StreamEvents) {
    this.#port = port;
    this.#events = events;
    this.#body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.#controller = c;
        },
        pull: () => {
          if (!this.#finished) port.postMessage({ type: StreamMessageType.credit, n: 1 } satisfies StreamMessage);
        },
        cancel: () => {
          if (!this.#finished) port.postMessage({ type: StreamMessageType.cancel } satisfies StreamMessage);
          this.#finish();
        },
      },
      { highWaterMark: 0 },
    );
    port.on('message', (message: StreamMessage) => this.#onMessage(message));
    // Messages sent before a close arrive before it: nothing the worker sent is lost.
    port.once('close', () => this.#onClose());
  }

  /** true once the body ended, errored or was cancelled (or the request failed before its head). */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Fails the stream with an error raised on the main thread (a crash, the pool shut down, an abort):
   * before its head the request rejects, after it the body errors. The worker is told to stop.
   */
  fail(error: Error): void {
    if (this.#finished) return;
    if (this.#opened) this.#controller.error(error);
    else this.#events.error(error);
    this.#port.postMessage({ type: StreamMessageType.cancel } satisfies StreamMessage);
    this.#finish();
  }

  /**
   * The worker's result came on the lane. Its head, chunks and end or error were all sent before it,
   * on this port, and may still be on their way: `error` is used only if the port closes without them.
   */
  settle(error: Error): void {
    if (this.#finished) return;
    this.#fallback = error;
    if (this.#peerClosed) this.fail(error);
  }

  #onMessage(message: StreamMessage): void {
    if (this.#finished) return;
    switch (message.type) {
      case StreamMessageType.head:
        this.#opened = true;
        this.#events.head(new StreamResponse(message, this.#body));
        break;
      case StreamMessageType.chunk:
        this.#controller.enqueue(message.chunk);
        break;
      case StreamMessageType.progress:
        this.#events.progress(message.loaded, message.total);
        break;
      case StreamMessageType.end:
        this.#controller.close();
        this.#finish();
        break;
      case StreamMessageType.error: {
        const error = deserializeError(message.error);
        if (this.#opened) this.#controller.error(error);
        else this.#events.error(error);
        this.#finish();
        break;
      }
    }
  }

  /**
   * The port closed with the stream unfinished: the worker's thread ended, or its request was over
   * without an end. The executor reports a lost worker (`fail`); a result already in (`settle`) decides now.
   */
  #onClose(): void {
    this.#peerClosed = true;
    if (!this.#finished && this.#fallback) this.fail(this.#fallback);
  }

  #finish(): void {
    this.#finished = true;
    this.#port.close();
    this.#events.done();
  }
}
