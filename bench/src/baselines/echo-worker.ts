/** The thread-hop floor's worker: sends back every message it gets. */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (message: unknown) => parentPort?.postMessage(message));
