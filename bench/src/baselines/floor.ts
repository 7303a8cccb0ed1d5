/** The thread-hop floor: one postMessage round trip to a worker thread, the least any offloading can cost. */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** A worker that echoes messages, for timing bare round trips. */
export interface Floor {
  /** One round trip. */
  hop(): Promise<void>;
  /** Terminates the worker. */
  close(): Promise<void>;
}

/** Starts the echo worker (baselines/echo-worker.ts) and waits until it is online. */
export async function startFloor(): Promise<Floor> {
  const worker = new Worker(new URL('./echo-worker.js', import.meta.url));
  await once(worker, 'online');
  let waiting: (() => void) | undefined;
  worker.on('message', () => waiting?.());
  return {
    hop() {
      return new Promise<void>((resolve) => {
        waiting = resolve;
        worker.postMessage(1);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
