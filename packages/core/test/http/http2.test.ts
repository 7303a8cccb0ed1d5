import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { selfSigned } from './certs.js';

interface H2Seen {
  readonly httpVersion: string;
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

let server: http2.Http2SecureServer;
let url: string;
const seen: H2Seen[] = [];
const sessions = new Set<http2.ServerHttp2Session>();
let session: FuturesSession;
let ca: string;

before(async () => {
  const pair = selfSigned();
  ca = pair.cert;
  server = http2.createSecureServer({ ...pair, allowHTTP1: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ httpVersion: req.httpVersion, method: req.method, path: req.url, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-version': req.httpVersion });
      res.end(`hello over ${req.httpVersion}`);
    });
  });
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  session = new FuturesSession({ maxWorkers: 1, tls: { ca } });
});

after(async () => {
  await session.close();
  const closed = once(server, 'close');
  server.close();
  for (const s of sessions) s.destroy();
  await closed;
});

describe('http2', () => {
  it('http2: true talks HTTP/2 to a server that offers it', async () => {
    const res = await session.get(`${url}/h2?x=1`, { http2: true });
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'hello over 2.0');
    assert.equal(res.headers.get('x-version'), '2.0');
    assert.deepEqual(seen.at(-1), { httpVersion: '2.0', method: 'GET', path: '/h2?x=1', body: '' });
  });

  it('without it, the same server is spoken to in HTTP/1.1', async () => {
    const res = await session.get(`${url}/h1`);
    assert.equal(res.text(), 'hello over 1.1');
    assert.equal(seen.at(-1)?.httpVersion, '1.1');
  });

  it('a POST body and request headers go over HTTP/2', async () => {
    await session.post(`${url}/post`, { http2: true, json: { a: 'ü' }, headers: { 'x-h2': 'yes' } });
    assert.deepEqual(seen.at(-1), { httpVersion: '2.0', method: 'POST', path: '/post', body: '{"a":"ü"}' });
  });

  it('concurrent requests all go over HTTP/2', async () => {
    const before = seen.length;
    const results = await Promise.all([1, 2, 3, 4].map((n) => session.get(`${url}/many/${n}`, { http2: true })));
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.deepEqual(
      seen.slice(before).map((s) => s.httpVersion),
      ['2.0', '2.0', '2.0', '2.0'],
    );
  });

  it('a session with http2: true uses it by default, and http2 must be a boolean', async () => {
    const h2 = new FuturesSession({ executor: session.executor, tls: { ca }, http2: true });
    try {
      await h2.get(`${url}/session`);
      assert.equal(seen.at(-1)?.httpVersion, '2.0');
      await assert.rejects(h2.get(`${url}/x`, { http2: 'yes' as never }), /http2 must be a boolean/);
    } finally {
      await h2.close();
    }
  });
});
