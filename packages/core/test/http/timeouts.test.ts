import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BodyTimeoutError, ConnectTimeoutError, FuturesSession, HeadersTimeoutError, TimeoutError } from '@threadfetch/core';
import { type Origin, rejectsWith, startHttp } from './helpers.js';
import { startUnacceptingListener, type UnacceptingListener } from './unaccepting-listener.js';

let origin: Origin;
let session: FuturesSession;
const drips: NodeJS.Timeout[] = [];

before(async () => {
  origin = await startHttp((req, res) => {
    if (req.url === '/no-headers') return;
    if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('first chunk');
      return;
    }
    if (req.url === '/drip') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 40);
      drips.push(timer);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200).end('fine');
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});

after(async () => {
  for (const timer of drips) clearInterval(timer);
  await session.close();
  await origin.close();
});

describe('timeouts per phase', () => {
  it('headersTimeout: no response headers in time rejects with TF_ERR_HEADERS_TIMEOUT', async () => {
    const error = await rejectsWith(session.get('/no-headers', { headersTimeout: 150 }), 'TF_ERR_HEADERS_TIMEOUT', /headersTimeout \(150 ms\)/);
    assert.ok(error instanceof HeadersTimeoutError);
    assert.ok(error instanceof TimeoutError);
    assert.equal((error as HeadersTimeoutError).request?.url, `${origin.url}/no-headers`);
  });

  it('bodyTimeout: headers and a first chunk, then a stall, rejects with TF_ERR_BODY_TIMEOUT', async () => {
    const error = await rejectsWith(session.get('/stall-body', { bodyTimeout: 150 }), 'TF_ERR_BODY_TIMEOUT', /bodyTimeout \(150 ms\)/);
    assert.ok(error instanceof BodyTimeoutError);
    assert.ok(error instanceof TimeoutError);
  });

  it('bodyTimeout bounds the gap between chunks, not the body: a steady drip is stopped by timeout instead', async () => {
    const error = await rejectsWith(session.get('/drip', { bodyTimeout: 400, timeout: 2500 }), 'TF_ERR_TIMEOUT');
    assert.ok(error instanceof TimeoutError);
    assert.ok(!(error instanceof BodyTimeoutError));
  });

  it('timeout: the whole-request deadline rejects with TF_ERR_TIMEOUT, per request and per session', async () => {
    const error = await rejectsWith(session.get('/no-headers', { timeout: 150 }), 'TF_ERR_TIMEOUT', /150 ms/);
    assert.equal(error.constructor, TimeoutError);
    const quick = new FuturesSession({ baseURL: origin.url, executor: session.executor, timeout: 150 });
    try {
      await rejectsWith(quick.get('/no-headers'), 'TF_ERR_TIMEOUT');
    } finally {
      await quick.close();
    }
  });

  it('a session headersTimeout applies, and a request one overrides it', async () => {
    const strict = new FuturesSession({ baseURL: origin.url, executor: session.executor, headersTimeout: 150 });
    try {
      await rejectsWith(strict.get('/no-headers'), 'TF_ERR_HEADERS_TIMEOUT');
      await rejectsWith(strict.get('/no-headers', { headersTimeout: 60_000, timeout: 500 }), 'TF_ERR_TIMEOUT');
    } finally {
      await strict.close();
    }
  });

  // On time, not undici's coarse second: each phase timeout of 100 ms must win against a whole-request
  // deadline of 900 ms (ordering, not a measured time).
  it('headersTimeout: 100 fires before a 900 ms deadline', async () => {
    await rejectsWith(session.get('/no-headers', { headersTimeout: 100, timeout: 900 }), 'TF_ERR_HEADERS_TIMEOUT');
  });

  // undici's coarse body timer fires 499 ms after the last chunk at the earliest.
  it('bodyTimeout: 50 fires before a 450 ms deadline', async () => {
    await rejectsWith(session.get('/stall-body', { bodyTimeout: 50, timeout: 450 }), 'TF_ERR_BODY_TIMEOUT');
  });

  it('a body read slowly (backpressure) is not a stalled body: bodyTimeout does not fire while the reader waits', async () => {
    const res = await session.stream('/drip', { bodyTimeout: 150, timeout: 10_000 });
    const reader = res.body.getReader();
    await reader.read();
    // Let the body pile up unread for longer than bodyTimeout, then read on: chunks still come.
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (let i = 0; i < 3; i++) assert.equal((await reader.read()).done, false);
    await reader.cancel();
  });

  it('the session serves requests after timeouts', async () => {
    assert.equal((await session.get('/ok')).text(), 'fine');
  });
});

describe('connectTimeout', () => {
  let listener: UnacceptingListener;
  before(async () => {
    listener = await startUnacceptingListener();
  });
  after(() => listener.close());

  it('no connection within connectTimeout rejects with TF_ERR_CONNECT_TIMEOUT', async () => {
    assert.ok(listener.full, 'setup: the accept queue of the listener is full (Linux drops SYNs to it)');
    const error = await rejectsWith(
      session.get(`${listener.url}/x`, { connectTimeout: 200, timeout: 10_000 }),
      'TF_ERR_CONNECT_TIMEOUT',
      /connectTimeout \(200 ms\)/,
    );
    assert.ok(error instanceof ConnectTimeoutError);
    assert.ok(error instanceof TimeoutError);
  });

  it('through a proxy that does not answer, connectTimeout: 100 fires before a 900 ms deadline', async () => {
    await rejectsWith(session.get('http://127.0.0.1:1/never', { proxy: listener.url, connectTimeout: 100, timeout: 900 }), 'TF_ERR_CONNECT_TIMEOUT');
  });

  it("connectTimeout: 100 fires before a 900 ms deadline (on time, not undici's coarse second)", async () => {
    await rejectsWith(session.get(`${listener.url}/y`, { connectTimeout: 100, timeout: 900 }), 'TF_ERR_CONNECT_TIMEOUT', /connectTimeout \(100 ms\)/);
  });
});
