/** A server for the reliability tests: /ok, /slow (answers after `ms`), /hold (never answers until released). */
import type { ServerResponse } from 'node:http';
import { startServer, type TestServer } from '../helpers/server.js';

export interface ReliabilityServer extends TestServer {
  readonly held: ServerResponse[];
}

export async function startReliabilityServer(): Promise<ReliabilityServer> {
  const held: ServerResponse[] = [];
  const server = await startServer({
    '/ok': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    },
    '/slow': (req, res) => {
      const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 300);
      const timer = setTimeout(() => res.writeHead(200).end('slow'), ms);
      res.on('close', () => clearTimeout(timer));
    },
    '/hold': (_req, res) => {
      held.push(res);
    },
  });
  return {
    ...server,
    held,
    async close() {
      for (const res of held) res.destroy();
      await server.close();
    },
  };
}

export const crashy = new URL('./fixtures/crashy.js', import.meta.url);

/** The outcome of a future: its data, or its error code. */
export async function outcome<T>(future: PromiseLike<{ data: T }>): Promise<{ ok: true; data: T } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, data: (await future).data };
  } catch (error) {
    return { ok: false, code: (error as { code: string }).code, message: (error as Error).message };
  }
}
