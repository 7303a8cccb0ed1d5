import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Future, FuturesSession, Response } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from './helpers/server.js';

/** What the /echo route saw, sent back as JSON. */
interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

let server: TestServer;
let session: FuturesSession;

before(async () => {
  server = await startServer({
    // the helper records each request just before calling its handler, so the last one seen is this one
    '/echo': (_req, res) => sendJson(res, server.seen.at(-1)),
    '/gone': (_req, res) => sendJson(res, { error: 'gone' }, 410),
    '/cookies': (_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('x-multi', ['one', 'two']);
      res.end();
    },
  });
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await server.close();
});

function params(echo: Echo): URLSearchParams {
  return new URL(echo.url, 'http://x').searchParams;
}

describe('requests: methods', () => {
  for (const method of ['get', 'post', 'put', 'patch', 'delete', 'options'] as const) {
    it(`session.${method}() sends ${method.toUpperCase()} and resolves with a Response`, async () => {
      const future = session[method]('/echo');
      assert.ok(future instanceof Future);
      const res = await future;
      assert.ok(res instanceof Response);
      assert.equal(res.status, 200);
      assert.equal(res.ok, true);
      assert.equal(res.json<Echo>().method, method.toUpperCase());
      assert.equal(res.url, `${server.url}/echo`);
    });
  }

  it('session.head() sends HEAD; the body is an empty Uint8Array and headers are kept', async () => {
    const res = await session.head('/echo?tag=head');
    assert.equal(res.status, 200);
    assert.ok(res.body instanceof Uint8Array);
    assert.equal(res.body.byteLength, 0);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(server.seen.find((s) => s.url === '/echo?tag=head')?.method, 'HEAD');
  });

  it('request({ method, url }) upper-cases the method, allows extension methods, and defaults to GET', async () => {
    assert.equal((await session.request({ method: 'patch', url: '/echo' })).json<Echo>().method, 'PATCH');
    assert.equal((await session.request({ method: 'PURGE', url: '/echo' })).json<Echo>().method, 'PURGE');
    assert.equal((await session.request({ url: '/echo' })).json<Echo>().method, 'GET');
    const viaUrl = await session.request({ method: 'DELETE', url: new URL('/echo?u=1', server.url) });
    assert.deepEqual([viaUrl.json<Echo>().method, viaUrl.json<Echo>().url], ['DELETE', '/echo?u=1']);
  });

  it('HTTP error statuses resolve (they are not errors)', async () => {
    const res = await session.get('/gone');
    assert.equal(res.status, 410);
    assert.equal(res.ok, false);
    assert.equal(res.statusText, 'Gone');
    assert.deepEqual(res.json(), { error: 'gone' });
  });
});

describe('requests: response headers', () => {
  it('repeated response headers are all kept; set-cookie stays separate', async () => {
    const res = await session.get('/cookies');
    assert.ok(res.headers instanceof Headers);
    assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(res.headers.get('x-multi'), 'one, two');
  });
});

describe('requests: bodies', () => {
  it('json is serialized with content-type application/json', async () => {
    const echo = (await session.post('/echo', { json: { a: 1, b: [true, null, 'x'] } })).json<Echo>();
    assert.equal(echo.body, '{"a":1,"b":[true,null,"x"]}');
    assert.equal(echo.headers['content-type'], 'application/json');
  });

  it('json keeps a content-type the caller set, whatever its case', async () => {
    const echo = (await session.put('/echo', { json: [1], headers: { 'Content-Type': 'application/vnd.api+json' } })).json<Echo>();
    assert.equal(echo.body, '[1]');
    assert.equal(echo.headers['content-type'], 'application/vnd.api+json');
  });

  it('a string body is sent as is', async () => {
    const echo = (await session.post('/echo', { body: 'héllo wörld' })).json<Echo>();
    assert.equal(echo.body, 'héllo wörld');
  });

  it('a Uint8Array body is sent, and the caller keeps its bytes (not detached)', async () => {
    const bytes = new TextEncoder().encode('byte body');
    const echo = (await session.put('/echo', { body: bytes })).json<Echo>();
    assert.equal(echo.body, 'byte body');
    assert.equal(bytes.byteLength, 9);
    assert.equal(new TextDecoder().decode(bytes), 'byte body');
  });

  it('a Uint8Array view over part of a buffer sends only the viewed bytes', async () => {
    const whole = new TextEncoder().encode('xx-view-yy');
    const echo = (await session.patch('/echo', { body: whole.subarray(3, 7) })).json<Echo>();
    assert.equal(echo.body, 'view');
    assert.equal(echo.headers['content-length'], '4');
  });

  it('an ArrayBuffer body is sent', async () => {
    const buffer = new TextEncoder().encode('array buffer').buffer;
    const echo = (await session.post('/echo', { body: buffer })).json<Echo>();
    assert.equal(echo.body, 'array buffer');
    assert.equal(buffer.byteLength, 12);
  });

  it('a URLSearchParams body is sent urlencoded with its content-type', async () => {
    const echo = (await session.post('/echo', { body: new URLSearchParams({ a: '1', b: 'x y&z' }) })).json<Echo>();
    assert.equal(echo.body, 'a=1&b=x+y%26z');
    assert.equal(echo.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  });
});

describe('requests: query and headers', () => {
  it('query records accept strings, numbers, booleans and arrays, encoded, after the URL own query', async () => {
    const echo = (await session.get('/echo?own=1', { query: { q: 'a b&c=d', n: 2, t: true, many: ['x', 'y'] } })).json<Echo>();
    const p = params(echo);
    assert.equal(p.get('own'), '1');
    assert.equal(p.get('q'), 'a b&c=d');
    assert.equal(p.get('n'), '2');
    assert.equal(p.get('t'), 'true');
    assert.deepEqual(p.getAll('many'), ['x', 'y']);
    assert.ok(echo.url.startsWith('/echo?own=1&'));
  });

  it('query may be a URLSearchParams', async () => {
    const echo = (
      await session.get('/echo', {
        query: new URLSearchParams([
          ['k', 'v1'],
          ['k', 'v 2'],
        ]),
      })
    ).json<Echo>();
    assert.deepEqual(params(echo).getAll('k'), ['v1', 'v 2']);
  });

  it('headers may be a record (numbers allowed) or a Headers', async () => {
    const a = (await session.get('/echo', { headers: { 'X-Num': 7, 'x-str': 's' } })).json<Echo>();
    assert.equal(a.headers['x-num'], '7');
    assert.equal(a.headers['x-str'], 's');
    const b = (await session.get('/echo', { headers: new Headers({ 'X-From-Headers': 'yes' }) })).json<Echo>();
    assert.equal(b.headers['x-from-headers'], 'yes');
  });
});

describe('requests: session defaults merged with request options', () => {
  let merged: FuturesSession;
  before(() => {
    merged = new FuturesSession({
      executor: session.executor,
      baseURL: `${server.url}/echo/api`,
      headers: { 'X-Session': 'session', 'X-Token': 'session-token', Accept: 'text/plain' },
      query: { s: 'session', shared: 'from-session', drop: 'me' },
    });
  });
  after(() => merged.close());

  it('a relative URL resolves against baseURL, which keeps its path', async () => {
    const echo = (await merged.get('items')).json<Echo>();
    assert.ok(echo.url.startsWith('/echo/api/items?'), echo.url);
    const rooted = (await merged.get('/echo/root')).json<Echo>();
    assert.ok(rooted.url.startsWith('/echo/root?'), rooted.url);
  });

  it('session headers are sent; a request header overrides one case-insensitively', async () => {
    const echo = (await merged.get('x', { headers: { 'x-token': 'request-token', ACCEPT: 'application/json' } })).json<Echo>();
    assert.equal(echo.headers['x-session'], 'session');
    assert.equal(echo.headers['x-token'], 'request-token');
    assert.equal(echo.headers.accept, 'application/json');
    const viaHeaders = (await merged.get('x', { headers: new Headers({ 'X-TOKEN': 'from-headers' }) })).json<Echo>();
    assert.equal(viaHeaders.headers['x-token'], 'from-headers');
  });

  it('undefined in request headers removes a session header', async () => {
    const echo = (await merged.get('x', { headers: { 'x-session': undefined } })).json<Echo>();
    assert.equal(echo.headers['x-session'], undefined);
    assert.equal(echo.headers['x-token'], 'session-token');
  });

  it('session query is added; request query adds, overrides by name, and undefined removes', async () => {
    const plain = params((await merged.get('x')).json<Echo>());
    assert.deepEqual([plain.get('s'), plain.get('shared'), plain.get('drop')], ['session', 'from-session', 'me']);
    const p = params((await merged.get('x?own=1', { query: { shared: 'from-request', extra: 1, drop: undefined } })).json<Echo>());
    assert.equal(p.get('own'), '1');
    assert.equal(p.get('s'), 'session');
    assert.deepEqual(p.getAll('shared'), ['from-request']);
    assert.equal(p.get('extra'), '1');
    assert.equal(p.has('drop'), false);
  });

  it('a request to another absolute URL still gets the session headers', async () => {
    const echo = (await merged.get(`${server.url}/echo/absolute`)).json<Echo>();
    assert.ok(echo.url.startsWith('/echo/absolute'));
    assert.equal(echo.headers['x-session'], 'session');
  });
});
