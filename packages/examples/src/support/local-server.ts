/**
 * Starts the examples' HTTP server in a child process, so that its work never shows up in the event
 * loop delay of the process that calls it. `await using server = await startServer()` stops it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

export interface LocalServer extends AsyncDisposable {
  /** The server's origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Kills the server process and waits for it to exit. */
  close(): Promise<void>;
}

const entry = new URL('./server-main.js', import.meta.url);

export async function startServer(): Promise<LocalServer> {
  const child: ChildProcess = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(() => {
      throw new Error('the local server exited before it listened');
    }),
  ])) as [{ port: number }];
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill();
    await exited;
  };
  return { url: `http://127.0.0.1:${message.port}`, close, [Symbol.asyncDispose]: close };
}
