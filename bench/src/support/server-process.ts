/** Starts the bench server (server.ts) in its own process, so that its CPU is not the client's. */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { ListeningMessage } from '../server.js';

/** The running bench server. */
export interface BenchServer {
  readonly url: string;
  /** Size of the ~2 MB `/big` document, in bytes. */
  readonly bigBytes: number;
  /** The server's process id. */
  readonly pid: number | undefined;
  /** Disconnects the server process (it exits on disconnect) and waits for it to exit. */
  close(): Promise<void>;
}

/** Forks server.js and waits until it listens; rejects if it exits first. */
export async function startBenchServer(): Promise<BenchServer> {
  const child = fork(new URL('../server.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(() => {
      throw new Error('the bench server exited before it listened');
    }),
  ])) as [ListeningMessage];
  return {
    url: `http://127.0.0.1:${message.port}`,
    bigBytes: message.bigBytes,
    pid: child.pid,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect();
      await exited;
    },
  };
}
