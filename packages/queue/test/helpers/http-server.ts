/** A real HTTP server on 127.0.0.1, port 0, for the queue tests: routes by path, requests recorded, held responses released at close. */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  readonly url: string;
  /** Paths (with query) of the requests seen, in order. */
  readonly seen: string[];
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Handler>): Promise<TestServer> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    seen.push(path);
    const handler = routes[new URL(path, 'http://x').pathname];
    if (handler) handler(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/** A JSON response. */
export function json(value: unknown): Handler {
  return (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-test', 'yes');
    res.end(JSON.stringify(value));
  };
}
