/**
 * What goes on the wire where clients differ, as decided: a body longer than its Content-Length,
 * whitespace around header values, Content-Length on bodyless requests, default content types.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Origin, startHttp, startTcp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;

before(async () => {
  origin = await startHttp((_req, res) => res.writeHead(200).end('ok'));
  session = new FuturesSession({ maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await origin.close();
});

const last = () => origin.seen.at(-1);

describe('a body longer than its Content-Length', () => {
  it('is the announced bytes, as fetch and curl read it; the excess never reads as the next response', async () => {
    let connections = 0;
    const tcp = await startTcp((socket: net.Socket) => {
      connections += 1;
      let requests = 0;
      socket.on('data', () => {
        requests += 1;
        if (connections === 1 && requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more than announced');
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    try {
      assert.equal((await session.get(`${tcp.url}/long`)).text(), 'hello');
      assert.equal((await session.get(`${tcp.url}/next`)).text(), 'ok');
      assert.equal(connections, 2, 'the connection with the excess was not used again');
    } finally {
      await tcp.close();
    }
  });
});

describe('header values', () => {
  it('leading and trailing spaces and tabs are trimmed (as Headers does); inner ones are kept', async () => {
    const tcp = await startTcp((socket: net.Socket) => socket.on('data', () => socket.write('HTTP/1.1 204 No Content\r\n\r\n')));
    try {
      await session.get(`${tcp.url}/ws`, { headers: { 'x-lead': '  a b', 'x-trail': 'c\t ', 'x-blank': ' ' } });
      const head = Buffer.concat(tcp.received).toString('latin1').toLowerCase();
      assert.match(head, /\r\nx-lead: a b\r\n/);
      assert.match(head, /\r\nx-trail: c\r\n/);
      assert.match(head, /\r\nx-blank: \r\n/);
    } finally {
      await tcp.close();
    }
  });
});

describe('Content-Length of a request without a body', () => {
  it('POST, PUT and PATCH send content-length: 0; OPTIONS, DELETE, GET and HEAD send none (RFC 9110 8.6)', async () => {
    for (const method of ['POST', 'PUT', 'PATCH']) {
      await session.request({ method, url: `${origin.url}/x` });
      assert.equal(last()?.headers['content-length'], '0', method);
    }
    for (const method of ['OPTIONS', 'DELETE', 'GET', 'HEAD']) {
      await session.request({ method, url: `${origin.url}/x` });
      assert.equal(last()?.headers['content-length'], undefined, method);
      assert.equal(last()?.headers['transfer-encoding'], undefined, method);
    }
  });
});

describe('default content types', () => {
  it('a string or bytes body gets none (its type is not known); json, forms and typed Blobs get theirs', async () => {
    await session.post(`${origin.url}/x`, { body: 'text' });
    assert.equal(last()?.headers['content-type'], undefined);
    await session.post(`${origin.url}/x`, { body: new Uint8Array([1, 2]) });
    assert.equal(last()?.headers['content-type'], undefined);
    await session.post(`${origin.url}/x`, { body: new ArrayBuffer(2) });
    assert.equal(last()?.headers['content-type'], undefined);
    await session.post(`${origin.url}/x`, { json: { a: 1 } });
    assert.equal(last()?.headers['content-type'], 'application/json');
    await session.post(`${origin.url}/x`, { body: new URLSearchParams({ a: '1' }) });
    assert.equal(last()?.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    await session.post(`${origin.url}/x`, { body: new Blob(['<a/>'], { type: 'application/xml' }) });
    assert.equal(last()?.headers['content-type'], 'application/xml');
  });
});
