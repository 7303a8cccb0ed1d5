/**
 * Server faults, each provoked on a local server and each with its own code; after each, the same
 * worker serves the next request (a fault fails its request, never the worker). The variants here
 * complement http/faults.test.ts and http/timeouts.test.ts (an RST rather than a FIN before the
 * headers, a plain content-length body cut by a FIN, binary noise, a status line with no end of
 * headers, a chunked body that stalls, a 304 that declares a body).
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, NetworkError, TimeoutError } from '@threadfetch/core';
import { type Crashy, crashy, outcome, type ReliabilityServer, refusedURL, startReliabilityServer, startTcpServer } from './helpers.js';

let healthy: ReliabilityServer;
let session: FuturesSession<Crashy>;
let thread: number;
const servers: { close(): Promise<void> }[] = [];

before(async () => {
  healthy = await startReliabilityServer();
  session = new FuturesSession<Crashy>({ callbacks: crashy, maxWorkers: 1, timeout: 20_000 });
  thread = (await session.get(`${healthy.url}/ok`, { background: 'threadId' })).data;
});
after(async () => {
  await session.close({ force: true });
  await Promise.all([healthy.close(), ...servers.map((s) => s.close())]);
});

/** A raw server that answers the first bytes of each request with `reply`, then does `then`. */
async function raw(reply: string | Buffer, then: 'end' | 'stall' | 'reset'): Promise<string> {
  const server = await startTcpServer((socket: Socket) => {
    socket.once('data', () => {
      if (then === 'reset') {
        socket.resetAndDestroy();
        return;
      }
      socket.write(reply);
      if (then === 'end') socket.end();
    });
  });
  servers.push(server);
  return `${server.url}/fault`;
}

/** Bytes no HTTP parser accepts as a status line. */
const noise = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256));

const faults: { what: string; code: string; kind: typeof NetworkError | typeof TimeoutError; url: () => Promise<string>; options?: Record<string, number> }[] =
  [
    {
      what: 'nothing listens on the port',
      code: 'TF_ERR_CONNECTION_REFUSED',
      kind: NetworkError,
      url: async () => `${refusedURL}fault`,
    },
    { what: 'the connection is reset (RST) before any response', code: 'TF_ERR_CONNECTION_RESET', kind: NetworkError, url: () => raw('', 'reset') },
    {
      what: 'the body is cut short of its content-length and the connection closed',
      code: 'TF_ERR_BODY_INCOMPLETE',
      kind: NetworkError,
      url: () => raw('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part of it', 'end'),
    },
    { what: 'binary noise instead of HTTP', code: 'TF_ERR_PROTOCOL', kind: NetworkError, url: () => raw(noise, 'stall') },
    {
      what: 'a status line, then the headers never end',
      code: 'TF_ERR_HEADERS_TIMEOUT',
      kind: TimeoutError,
      url: () => raw('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n', 'stall'),
      options: { headersTimeout: 200 },
    },
    {
      what: 'a chunked body that stalls after its first chunk',
      code: 'TF_ERR_BODY_TIMEOUT',
      kind: TimeoutError,
      url: () => raw('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n', 'stall'),
      options: { bodyTimeout: 200 },
    },
    {
      what: 'a 304 that declares a content-length and sends a body',
      code: 'TF_ERR_CONTENT_LENGTH_MISMATCH',
      kind: NetworkError,
      url: () => raw('HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\nhello', 'end'),
    },
  ];

describe('server faults: each its own code, and the worker goes on', () => {
  for (const { what, code, kind, url, options } of faults) {
    it(`${what}: ${code}`, async () => {
      const target = await url();
      const future = session.get(target, options ?? {});
      const r = await outcome(future);
      assert.ok(!r.ok, 'the request failed');
      assert.equal(r.code, code, r.message);
      assert.ok(future.error instanceof kind, `${future.error?.name} is a ${kind.name}`);
      assert.ok(r.message.includes(`GET ${target}`), `the message names the request: ${r.message}`);
      assert.equal(future.cancelled, false);
      const next = await session.get(`${healthy.url}/ok`, { background: 'threadId' });
      assert.equal(next.data, thread, 'the same worker serves the next request');
      assert.equal(session.stats().workerCrashes, 0);
    });
  }

  it('all the faults at once, beside healthy requests: each gets its code, the healthy ones succeed', async () => {
    const targets = await Promise.all(faults.map(async (f) => ({ ...f, target: await f.url() })));
    const failing = targets.map((f) => session.get(f.target, f.options ?? {}));
    const fine = Array.from({ length: 8 }, () => session.get(`${healthy.url}/ok`, { background: 'threadId' }));
    const results = await Promise.all(failing.map(outcome));
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.code)),
      faults.map((f) => f.code),
    );
    for (const res of await Promise.all(fine)) assert.equal(res.data, thread);
  });
});
