/**
 * A TCP listener that never accepts: it listens in a worker thread whose event loop is then blocked,
 * with a backlog of 1, and the kernel's accept queue is filled first. Later connection attempts get no
 * SYN-ACK (Linux drops SYNs to a full accept queue), so they stay in the connect phase: on loopback,
 * this is how a connect timeout is provoked.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

const source = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer(() => undefined);
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  parentPort.once('message', () => {
    Atomics.wait(workerData, 0, 0);
    server.close();
  });
});
`;

export interface UnacceptingListener {
  readonly url: string;
  /** true when a fresh connection attempt was seen to stay pending (the queue is full). */
  readonly full: boolean;
  close(): Promise<void>;
}

function tryConnect(port: number, waitMs: number): Promise<{ socket: net.Socket; connected: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const timer = setTimeout(() => resolve({ socket, connected: false }), waitMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket, connected: true });
    });
  });
}

export async function startUnacceptingListener(): Promise<UnacceptingListener> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(source, { eval: true, workerData: flag });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  worker.postMessage('block');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const sockets: net.Socket[] = [];
  let full = false;
  for (let i = 0; i < 16 && !full; i += 1) {
    const { socket, connected } = await tryConnect(port, 300);
    sockets.push(socket);
    full = !connected;
  }
  for (const socket of sockets.filter((s) => s.connecting)) socket.destroy();
  return {
    url: `http://127.0.0.1:${port}`,
    full,
    async close() {
      for (const socket of sockets) socket.destroy();
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}
