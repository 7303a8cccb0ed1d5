/** Servers for the HTTP tests, all on loopback: plain HTTP, raw TCP, and a small forward proxy; plus error checks. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before } from 'node:test';
import { FuturesSession } from '@threadfetch/core';

/** One request as a server received it. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Names and values as sent, alternating. */
  readonly rawHeaders: string[];
  readonly body: Buffer;
  readonly remotePort: number;
  readonly httpVersion: string;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

export interface Origin {
  /** `http://host:port` (or https), no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** Reads the whole request body, records the request, then calls the handler. */
function recording(seen: Seen[], handler: Handler) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        remotePort: req.socket.remotePort ?? 0,
        httpVersion: req.httpVersion,
      };
      seen.push(entry);
      handler(req, res, entry);
    });
  };
}

async function listen(server: net.Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function shut(server: net.Server & { closeAllConnections?: () => void }, sockets?: Set<net.Socket>): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections?.();
  for (const socket of sockets ?? []) socket.destroy();
  await closed;
}

/** An HTTP/1.1 server on `host` (127.0.0.1 unless given), port 0, recording every request. */
export async function startHttp(handler: Handler, host = '127.0.0.1'): Promise<Origin & { dropConnections(): void }> {
  const seen: Seen[] = [];
  const server = http.createServer(recording(seen, handler));
  const port = await listen(server, host);
  return {
    url: `http://${host}:${port}`,
    port,
    seen,
    /** Closes every open connection (idle keep-alive ones included) and keeps listening. */
    dropConnections: () => server.closeAllConnections(),
    close: () => shut(server),
  };
}

/** An HTTPS server with the given key and certificate. */
export async function startHttps(handler: Handler, tls: https.ServerOptions): Promise<Origin> {
  const seen: Seen[] = [];
  const server = https.createServer(tls, recording(seen, handler));
  const port = await listen(server, '127.0.0.1');
  return { url: `https://127.0.0.1:${port}`, port, seen, close: () => shut(server) };
}

/** A raw TCP server on 127.0.0.1: `onSocket` writes whatever bytes it likes. */
export async function startTcp(onSocket: (socket: net.Socket) => void): Promise<Origin & { readonly received: Buffer[] }> {
  const sockets = new Set<net.Socket>();
  const received: Buffer[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    onSocket(socket);
  });
  const port = await listen(server, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, port, seen: [], received, close: () => shut(server, sockets) };
}

/** What the proxy was asked for: absolute-form request targets and CONNECT authorities. */
export interface ProxySeen {
  readonly method: string;
  readonly target: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface TestProxy extends Origin {
  readonly requests: ProxySeen[];
  /** true when an origin received `seen` on a connection the proxy opened (keep-alive and tunnels included). */
  carried(seen: Seen | undefined): boolean;
}

/** A forward proxy on 127.0.0.1: absolute-form requests are forwarded, CONNECT is tunnelled. */
export async function startProxy(): Promise<TestProxy> {
  const requests: ProxySeen[] = [];
  const sockets = new Set<net.Socket>();
  const upstreamPorts = new Set<number>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const mark = () => upstreamPorts.add(socket.localPort ?? 0);
    if (socket.connecting) socket.once('connect', mark);
    else mark();
  };
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    const target = new URL(req.url ?? '');
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request(target, { method: req.method ?? 'GET', headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('socket', track);
    upstream.on('error', () => res.writeHead(502).end('bad gateway'));
    req.pipe(upstream);
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    requests.push({ method: 'CONNECT', target: req.url ?? '', headers: req.headers });
    const [host = '', port = ''] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen: [],
    requests,
    carried: (seen) => seen !== undefined && upstreamPorts.has(seen.remotePort),
    close: () => shut(server, sockets),
  };
}

/** Sends a JSON body. */
export function sendJson(res: http.ServerResponse, value: unknown, status = 200): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A rejection as the tests read it. */
export type CodedError = Error & { readonly code: string; readonly request?: { readonly method: string; readonly url: string } | undefined };

/** Asserts `promise` rejects with an error whose `code` is `code`, and whose message matches `message` if given. */
export async function rejectsWith(promise: PromiseLike<unknown>, code: string, message?: RegExp): Promise<CodedError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, `expected a rejection with ${code}, but it resolved`);
  const error = caught as CodedError;
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  if (message) assert.match(error.message, message);
  return error;
}

/** The `code` of an error's cause chain, outermost first. */
export function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let e = (error as { cause?: unknown })?.cause;
  for (let depth = 0; e !== undefined && depth < 6; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * For a test file: before its tests, an origin answering every request with 200 "ok" and a one-worker
 * session on it, handed to `use`; after them, both closed.
 */
export function withOkOrigin(use: (origin: Origin, session: FuturesSession) => void): void {
  let origin: Origin | undefined;
  let session: FuturesSession | undefined;
  before(async () => {
    origin = await startHttp((_req, res) => res.writeHead(200).end('ok'));
    session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
    use(origin, session);
  });
  after(async () => {
    await session?.close();
    await origin?.close();
  });
}
