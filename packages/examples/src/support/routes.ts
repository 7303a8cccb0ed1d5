/**
 * What the examples' local server answers: a small httpbin of its own, so every example runs offline.
 * It runs in a child process (server-main.ts), never on the event loop an example measures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeCatalogue, noteOf, streamPageSize } from './records.js';

/** Sections of the crawlable site and their page counts (a binary tree of links in each). */
export const siteSections: Readonly<Record<string, number>> = Object.freeze({ small: 7, medium: 15, large: 31 });

const catalogues = new Map<string, Buffer>();
/** What the server has seen: requests served, requests the client abandoned, and each /delay request's `tag`. */
const stats = { served: 0, aborted: 0, delayed: [] as string[] };
const words = ['thread', 'future', 'worker', 'socket', 'buffer', 'parse', 'reduce', 'event', 'loop', 'core'];

type Handler = (req: IncomingMessage, res: ServerResponse, args: string[], url: URL) => void | Promise<void>;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  // 204 and 304 responses carry no body (RFC 9110), so they get neither one nor a length.
  if (status === 204 || status === 304) return void res.writeHead(status).end();
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown, status = 200): void => send(res, status, 'application/json', JSON.stringify(value));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `length` bytes of the download pattern starting at `offset`: byte i is i % 251. */
export function patternBytes(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (offset + i) % 251;
  return out;
}

/** A crawlable page: links to its two children, its parent, an external site, and on the last page a dead link. */
function sitePage(section: string, n: number, size: number): string {
  const links = [2 * n + 1, 2 * n + 2].filter((c) => c < size).map((c) => `<a href="/site/${section}/${c}">page ${c}</a>`);
  if (n > 0) links.push(`<a href="/site/${section}/${(n - 1) >> 1}">up</a>`);
  links.push('<a href="https://example.invalid/elsewhere">elsewhere</a>');
  if (n === size - 1) links.push(`<a href="/site/${section}/${size + 100}">gone</a>`);
  const text = Array.from({ length: 50 + n }, (_, i) => words[(i * 7 + n) % words.length]).join(' ');
  return `<!doctype html><html><head><title>${section} ${n}</title></head><body><p>${text}</p>${links.join(' ')}</body></html>`;
}

const routes: Record<string, Handler> = {
  /** /catalogue/:page?count=20000&corrupt=1: a large JSON page of records. */
  catalogue(_req, res, [page = '0'], url) {
    const count = Number(url.searchParams.get('count') ?? 20_000);
    const corrupt = url.searchParams.has('corrupt');
    const key = `${page}:${count}:${corrupt}`;
    let body = catalogues.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(makeCatalogue(Number(page), count, corrupt)));
      catalogues.set(key, body);
    }
    send(res, 200, 'application/json', body);
  },
  /** /echo: the request as the server saw it. */
  async echo(req, res, _args, url) {
    const text = await readBody(req);
    const type = req.headers['content-type'] ?? '';
    const body = type.startsWith('application/json') && text ? JSON.parse(text) : text;
    json(res, { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
  },
  /** /delay/:ms?tag=name: answers after a while; its tag is listed in /stats, and a client that gives up first is counted there. */
  delay(_req, res, [ms = '0'], url) {
    const tag = url.searchParams.get('tag');
    if (tag !== null) stats.delayed.push(tag);
    const timer = setTimeout(() => json(res, { waited: Number(ms) }), Number(ms));
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) stats.aborted += 1;
    });
  },
  stats(_req, res) {
    json(res, stats);
  },
  /** /site/:section/:n: HTML pages linking to each other. */
  site(_req, res, [section = '', n = '0']) {
    const size = siteSections[section];
    const page = Number(n);
    if (size === undefined || !(page >= 0 && page < size)) send(res, 404, 'text/plain', 'no such page');
    else send(res, 200, 'text/html; charset=utf-8', sitePage(section, page, size));
  },
  /** /text/:n: n words of plain text, ten to a line. */
  text(_req, res, [n = '0']) {
    const lines: string[] = [];
    for (let i = 0; i < Number(n); i += 10) lines.push(words.slice(0, Math.min(10, Number(n) - i)).join(' '));
    send(res, 200, 'text/plain; charset=utf-8', `${lines.join('\n')}\n`);
  },
  /** /status/:code: that status, with a short body. */
  status(_req, res, [code = '200']) {
    send(res, Number(code), 'text/plain', `status ${code}`);
  },
  /**
   * /download/:bytes?chunk=65536&pause=0: `bytes` bytes of a known pattern (byte i is i % 251), written
   * in chunks with a pause between them, so that a download takes a while. Content-length is set.
   */
  async download(_req, res, [bytes = '0'], url) {
    const total = Number(bytes);
    const chunk = Number(url.searchParams.get('chunk') ?? 65_536);
    const pause = Number(url.searchParams.get('pause') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    for (let sent = 0; sent < total && !res.destroyed; sent += chunk) {
      const ok = res.write(patternBytes(sent, Math.min(chunk, total - sent)));
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
    res.end();
  },
  /** /lines/:n: n numbered lines of text, sent in chunks (chunked encoding). */
  async lines(_req, res, [n = '0']) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    const total = Number(n);
    for (let i = 0; i < total && !res.destroyed; i += 1000) {
      const block = Array.from({ length: Math.min(1000, total - i) }, (_, k) => `line ${i + k} of ${total}`).join('\n');
      if (!res.write(`${block}\n`)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  },
  /**
   * /items/:count: one JSON array of the first `count` items of the catalogue pages, each with a note
   * (about 250 bytes an item), made and sent page by page (chunked encoding): never held whole, so it
   * can be hundreds of MB.
   */
  async items(_req, res, [n = '0']) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const total = Number(n);
    res.write('[');
    for (let page = 0; page * streamPageSize < total && !res.destroyed; page++) {
      const items = makeCatalogue(page, streamPageSize).items.slice(0, total - page * streamPageSize);
      const block = items.map((item) => JSON.stringify({ ...item, note: noteOf(item.id) })).join(',');
      if (!res.write(page === 0 ? block : `,${block}`)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end(']');
  },
  /** /reset: the connection is destroyed before any response (a network error for the client). */
  reset(req) {
    req.socket.destroy();
  },
};

/** The server's request listener. */
export function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [name = '', ...args] = url.pathname.split('/').filter(Boolean);
  const route = Object.hasOwn(routes, name) ? routes[name] : undefined;
  stats.served += 1;
  if (!route) {
    send(res, 404, 'text/plain', `no route ${url.pathname}`);
    return;
  }
  Promise.resolve(route(req, res, args, url)).catch((error: unknown) => {
    if (!res.headersSent) send(res, 500, 'text/plain', String(error));
    else res.destroy();
  });
}
