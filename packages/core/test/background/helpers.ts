/** A server for the background-model tests: downloads of a known pattern, paged JSON, and a route that holds. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Handler, startServer, type TestServer } from '../helpers/server.js';

/** `length` bytes of the pattern starting at `offset`: byte i is i % 251. */
export function pattern(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (offset + i) % 251;
  return out;
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface BackgroundServer extends TestServer {
  /** Bytes the /download route has written so far, per request path. */
  readonly written: Map<string, number>;
  /** /download requests the client abandoned before the end, by path. */
  readonly abandoned: Set<string>;
  /** Responses held by /hold, to be released or destroyed by the test. */
  readonly held: ServerResponse[];
  /** The client's port of the connection each request came on, in order: the same port means the same connection. */
  readonly sockets: { url: string; port: number }[];
}

async function download(res: ServerResponse, url: URL, written: Map<string, number>, abandoned: Set<string>): Promise<void> {
  const size = Number(url.searchParams.get('size'));
  const chunk = Number(url.searchParams.get('chunk') ?? 65_536);
  const pause = Number(url.searchParams.get('pause') ?? 0);
  const key = url.pathname + url.search;
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
  if (!url.searchParams.has('chunked')) headers['content-length'] = size;
  res.writeHead(200, headers);
  written.set(key, 0);
  res.on('close', () => {
    if (!res.writableFinished) abandoned.add(key);
  });
  for (let sent = 0; sent < size && !res.destroyed; sent += chunk) {
    const part = pattern(sent, Math.min(chunk, size - sent));
    const drained = res.write(part);
    written.set(key, sent + part.byteLength);
    if (url.searchParams.get('cut') === String(sent)) {
      res.destroy();
      return;
    }
    if (!drained) await drainOrClose(res);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  res.end();
}

/** Waits for 'drain' or 'close', then removes both listeners (a long download would pile them up). */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.once('drain', done).once('close', done);
  });
}

/** `count` lines of text, `line <i>\n`, written in blocks of 1000 (chunked encoding, no content-length). */
async function lines(res: ServerResponse, count: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  for (let i = 0; i < count && !res.destroyed; i += 1000) {
    let block = '';
    for (let k = i; k < Math.min(i + 1000, count); k++) block += `line ${k}\n`;
    if (!res.write(block)) await drainOrClose(res);
  }
  res.end();
}

/** Record `i` of the /records JSON array: about 200 bytes, most of them a note. */
export function record(i: number): { id: number; price: number; qty: number; note: string } {
  return { id: i, price: (i * 37) % 10_000, qty: i % 13, note: `record ${i} `.padEnd(160, 'abcdefghij') };
}

/**
 * A JSON array of `count` records, sent in blocks of 1000 as they are made (chunked, never held whole).
 * `cut`: the connection is destroyed after that many records; `bad`: a stray character follows the first block.
 */
async function records(res: ServerResponse, url: URL): Promise<void> {
  const count = Number(url.searchParams.get('count'));
  const cut = url.searchParams.has('cut') ? Number(url.searchParams.get('cut')) : Number.POSITIVE_INFINITY;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('[');
  for (let i = 0; i < count && !res.destroyed; i += 1000) {
    if (i >= cut) {
      res.destroy();
      return;
    }
    const block: string[] = [];
    for (let k = i; k < Math.min(i + 1000, count); k++) block.push(JSON.stringify(record(k)));
    const text = `${i === 0 ? '' : ','}${block.join(',')}${i === 0 && url.searchParams.has('bad') ? '}' : ''}`;
    if (!res.write(text)) await drainOrClose(res);
  }
  res.end(']');
}

export async function startBackgroundServer(): Promise<BackgroundServer> {
  const written = new Map<string, number>();
  const held: ServerResponse[] = [];
  const abandoned = new Set<string>();
  const sockets: { url: string; port: number }[] = [];
  const routes: Record<string, Handler> = {
    '/download': (req, res) => void download(res, new URL(req.url ?? '/', 'http://x'), written, abandoned),
    '/pages/': (req, res) => {
      const n = Number((req.url ?? '').split('/').pop());
      const body = JSON.stringify({ items: [n, n * 10], next: n < 5 ? `/pages/${n + 1}` : null });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    },
    '/hold': (_req, res) => {
      held.push(res);
    },
    '/hold-body': (_req, res) => {
      res.writeHead(200, { 'content-length': 1000 }).write('first bytes, then nothing');
      held.push(res);
    },
    '/lines/': (req, res) => void lines(res, Number((req.url ?? '').split('/').pop())),
    '/records': (req, res) => void records(res, new URL(req.url ?? '/', 'http://x')),
    '/status/': (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const status = Number(url.pathname.split('/').pop());
      // ?size=N: a body of N bytes of the pattern instead of the short text.
      const body = url.searchParams.has('size') ? pattern(0, Number(url.searchParams.get('size'))) : `status ${status}`;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    },
    '/ok': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    },
  };
  const server = await startServer(routes);
  server.server.on('request', (req: IncomingMessage) => sockets.push({ url: req.url ?? '', port: req.socket.remotePort ?? 0 }));
  return {
    ...server,
    written,
    abandoned,
    held,
    sockets,
    async close() {
      for (const res of held) res.destroy();
      await server.close();
    },
  };
}

export const fixtures = new URL('./fixtures/callbacks.js', import.meta.url);

/** A session typed by the fixtures callbacks module. */
export type FixtureSession = FuturesSession<typeof import('./fixtures/callbacks.js')>;

/**
 * For a test file: before its tests, the background server and a one-worker session on it with the
 * fixtures callbacks, handed to `use`; after them, the session force-closed and the server closed.
 */
export function withFixtureSession(use: (server: BackgroundServer, session: FixtureSession) => void): void {
  let server: BackgroundServer | undefined;
  let session: FixtureSession | undefined;
  before(async () => {
    server = await startBackgroundServer();
    session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
    use(server, session);
  });
  after(async () => {
    await session?.close({ force: true });
    await server?.close();
  });
}
