/** Cases ported from the seeds' suites: supplied sessions, broken servers, bad status lines, stalls, keep-alive. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { FuturesSession, NetworkError } from '@threadfetch/core';
import { causeCodes, type Origin, rejectsWith, startHttp, startTcp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
const open: { close(): Promise<void> }[] = [];

before(async () => {
  origin = await startHttp((req, res) => {
    if (req.url === '/close') res.writeHead(200, { connection: 'close' }).end('bye');
    else res.writeHead(200).end('ok');
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await Promise.all([origin.close(), ...open.map((s) => s.close())]);
});

/** A raw server that writes `reply` to each connection, then does `then` to the socket. */
async function raw(reply: string | Buffer, then: 'destroy' | 'end' | 'stall' = 'destroy'): Promise<string> {
  const server = await startTcp((socket) => {
    socket.once('data', () => {
      socket.write(reply);
      if (then === 'destroy') setTimeout(() => socket.destroy(), 10);
      else if (then === 'end') socket.end();
    });
  });
  open.push(server);
  return server.url;
}

describe('a session with a supplied executor (requests-futures: headers on a supplied session)', () => {
  it('each session sends its own headers over the shared threads, and closing the borrower leaves the owner working', async () => {
    const owner = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, headers: { 'x-session': 'owner' } });
    const borrower = new FuturesSession({ baseURL: origin.url, executor: owner.executor, headers: { 'x-session': 'borrower', 'x-only-borrower': '1' } });
    await borrower.get('/b');
    assert.equal(origin.seen.at(-1)?.headers['x-session'], 'borrower');
    await owner.get('/o');
    assert.equal(origin.seen.at(-1)?.headers['x-session'], 'owner');
    assert.equal(origin.seen.at(-1)?.headers['x-only-borrower'], undefined);
    await borrower.close();
    assert.equal((await owner.get('/after')).status, 200);
    await owner.close();
  });
});

describe('servers that break the protocol', () => {
  it('a body cut short in chunked encoding gives TF_ERR_BODY_INCOMPLETE', async () => {
    const url = await raw('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\nonly six by');
    await rejectsWith(session.get(url), 'TF_ERR_BODY_INCOMPLETE');
  });

  it('a gzip body cut short (content-length larger than sent) gives TF_ERR_BODY_INCOMPLETE', async () => {
    const gz = zlib.gzipSync(Buffer.alloc(100_000, 'x'));
    const head = `HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.byteLength}\r\n\r\n`;
    const url = await raw(Buffer.concat([Buffer.from(head), gz.subarray(0, gz.byteLength >> 1)]));
    await rejectsWith(session.get(url), 'TF_ERR_BODY_INCOMPLETE');
  });

  it('a corrupt gzip body gives TF_ERR_DECODE naming the zlib error', async () => {
    const url = await raw('HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 12\r\n\r\nnot gzip !!!', 'end');
    const error = await rejectsWith(session.get(url), 'TF_ERR_DECODE');
    assert.ok(
      causeCodes(error).some((c) => c.startsWith('Z_')),
      String(causeCodes(error)),
    );
  });

  for (const [what, reply] of [
    ['garbage instead of a status line', 'HELLO THERE\r\n\r\n'],
    ['a status code that is not a number', 'HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n'],
    ['an unknown protocol', 'SPDY/9 200 OK\r\ncontent-length: 0\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nthis is not a header\r\ncontent-length: 0\r\n\r\n'],
  ] as const) {
    it(`${what} gives TF_ERR_PROTOCOL with the parser error as cause`, async () => {
      const url = await raw(reply);
      const error = await rejectsWith(session.get(url), 'TF_ERR_PROTOCOL', /does not match the HTTP\/1\.1 protocol/);
      assert.equal((error.cause as Error).name, 'HTTPParserError');
    });
  }

  it('a 204 that carries a body anyway gives TF_ERR_CONTENT_LENGTH_MISMATCH', async () => {
    const url = await raw('HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\nhello', 'end');
    const error = await rejectsWith(session.get(url), 'TF_ERR_CONTENT_LENGTH_MISMATCH');
    assert.ok(error instanceof NetworkError, 'every connection fault is a NetworkError');
  });

  it('a connection reset in the middle of the body gives TF_ERR_BODY_INCOMPLETE, not a reset before headers', async () => {
    const server = await startTcp((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc');
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    open.push(server);
    const error = await rejectsWith(session.get(server.url), 'TF_ERR_BODY_INCOMPLETE');
    assert.match(causeCodes(error).join(','), /ECONNRESET|UND_ERR_SOCKET/);
  });

  it('a connection closed before any response gives TF_ERR_CONNECTION_RESET', async () => {
    const url = await raw('', 'end');
    await rejectsWith(session.get(url), 'TF_ERR_CONNECTION_RESET');
  });

  it('a stalled send (the server never reads a large upload) ends at the request timeout', async () => {
    const server = await startTcp((socket) => socket.pause());
    open.push(server);
    await rejectsWith(session.put(server.url, { body: new Uint8Array(32 * 1024 * 1024), timeout: 500 }), 'TF_ERR_TIMEOUT');
    assert.equal((await session.get('/after-stall')).status, 200, 'the worker goes on');
  });
});

describe('keep-alive', () => {
  const ports = (from: number) => new Set(origin.seen.slice(from).map((s) => s.remotePort));

  it('sequential requests reuse one connection', async () => {
    const from = origin.seen.length;
    for (let i = 0; i < 5; i += 1) await session.get(`/k/${i}`);
    assert.equal(origin.seen.length - from, 5);
    assert.equal(ports(from).size, 1);
  });

  it('connection: close from the server makes the next request use a new connection', async () => {
    const from = origin.seen.length;
    for (let i = 0; i < 3; i += 1) await session.get('/close');
    assert.equal(ports(from).size, 3);
  });

  it('a keep-alive connection the server closed while idle is replaced without an error', async () => {
    const server = await startHttp((_req, res) => res.writeHead(200, { connection: 'keep-alive', 'keep-alive': 'timeout=60' }).end('idle'));
    open.push(server);
    await session.get(`${server.url}/1`);
    server.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await session.get(`${server.url}/2`)).text(), 'idle');
    assert.equal(new Set(server.seen.map((s) => s.remotePort)).size, 2);
  });
});
