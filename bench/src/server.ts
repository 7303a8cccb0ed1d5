/**
 * The bench server, run in its own process (child_process.fork) so that its CPU is not the client's.
 * Listens on 127.0.0.1, port 0, and reports the port over IPC. Routes:
 * - `/small`: a 24-byte JSON;
 * - `/big`: a ~2 MB JSON of 20,000 records;
 * - `/bytes?size=N`: a records JSON of about N bytes (1 byte to 64 MB), built once per size;
 * - `/light?i=N`: a small JSON after 5-25 ms, the delay of request N drawn from a seeded sequence, so
 *   that every client of the `mixed` scenario meets the same delays.
 * Exits when the parent disconnects.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bigRecords, documentOfSize, lightDelayMs, recordsDocument, smallBody } from './records.js';

/** Message sent to the parent once listening. */
export interface ListeningMessage {
  readonly type: 'listening';
  readonly port: number;
  readonly bigBytes: number;
}

const maxSize = 64 * 1024 * 1024;
const small = Buffer.from(smallBody);
const big = Buffer.from(recordsDocument(bigRecords));
const bySize = new Map<number, Buffer>();

function sized(size: number): Buffer | undefined {
  if (!Number.isInteger(size) || size < 1 || size > maxSize) return undefined;
  let body = bySize.get(size);
  if (!body) {
    body = Buffer.from(documentOfSize(size));
    bySize.set(size, body);
  }
  return body;
}

function route(url: string): Buffer | undefined {
  if (url === '/small') return small;
  if (url === '/big') return big;
  if (url.startsWith('/bytes?')) return sized(Number(new URLSearchParams(url.slice('/bytes?'.length)).get('size')));
  return undefined;
}

/** `/light?i=N`: answers `{"i":N,"delayMs":D}` after D ms; false when the URL is not that route. */
function light(url: string, res: ServerResponse): boolean {
  if (!url.startsWith('/light?')) return false;
  const i = Number(new URLSearchParams(url.slice('/light?'.length)).get('i'));
  if (!Number.isInteger(i) || i < 0) return false;
  const delayMs = lightDelayMs(i);
  const body = Buffer.from(JSON.stringify({ i, delayMs }));
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.byteLength });
    res.end(body);
  }, delayMs);
  return true;
}

const server = createServer((req, res) => {
  if (light(req.url ?? '/', res)) return;
  const body = route(req.url ?? '/');
  if (!body) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.byteLength });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const message: ListeningMessage = { type: 'listening', port, bigBytes: big.byteLength };
  if (process.send) process.send(message);
  else console.log(`bench server on http://127.0.0.1:${port}`);
});
process.on('disconnect', () => process.exit(0));
