/**
 * The session's own request cases, run again with QueueExecutor: every request crosses Redis to a
 * `threadfetch-worker` process and its result comes back, and a session cannot tell the difference.
 * Methods, query, headers and bodies, defaults merging, background callbacks, the Response, redirects,
 * and the errors, coded and rebuilt as their classes, exactly as with the local executor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CallbackError,
  ConnectionRefusedError,
  Future,
  FuturesSession,
  HttpStatusError,
  Response,
  ThreadfetchError,
  TimeoutError,
  TooManyRedirectsError,
  UnknownCallbackError,
} from '@threadfetch/core';
import { type Hold, hold } from '../../core/dist-test/helpers/hold.js';
import { waitFor } from '../../core/dist-test/helpers/wait.js';
import { type Origin, rejectsWith, startHttp } from '../../core/dist-test/http/helpers.js';
import { type ConformanceCallbacks, conformanceCallbacks, type QueueEnv, startQueueEnv } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';

/** What /echo saw, sent back as JSON. */
interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

let env: QueueEnv;
let origin: Origin;
let held: Hold;
let session: FuturesSession<ConformanceCallbacks>;

const items = { items: [{ price: 2 }, { price: 3 }, { price: 5 }] };

before(async () => {
  if (redisSkip) return;
  held = hold();
  origin = await startHttp((req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/');
    const json = (value: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (parts[1] === 'echo') json({ method: seen.method, url: seen.url, headers: seen.headers as Echo['headers'], body: seen.body.toString() } satisfies Echo);
    else if (parts[1] === 'items') json(items);
    else if (parts[1] === 'text') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('héllo text');
    else if (parts[1] === 'status') res.writeHead(Number(parts[2]), { 'content-type': 'text/plain' }).end(url.searchParams.get('body') ?? '');
    else if (parts[1] === 'headers') {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('x-multi', ['one', 'two']);
      res.writeHead(201, 'Made It').end();
    } else if (parts[1] === 'to') res.writeHead(Number(parts[2]), { location: url.searchParams.get('location') ?? '/echo/final' }).end('moved');
    else if (parts[1] === 'chain') res.writeHead(302, { location: Number(parts[2]) > 1 ? `/chain/${Number(parts[2]) - 1}` : '/echo/final' }).end();
    else if (parts[1] === 'hold') held.handler(req, res);
    else res.writeHead(404).end('not found');
  });
  env = await startQueueEnv({ processes: 2 });
  session = new FuturesSession<ConformanceCallbacks>({ executor: env.executor, baseURL: origin.url, callbacks: conformanceCallbacks });
});

after(async () => {
  if (redisSkip) return;
  held?.releaseAll();
  await session?.close();
  await env?.close();
  await origin?.close();
});

const params = (echo: Echo) => new URL(echo.url, 'http://x').searchParams;

describe('queue conformance: methods', { skip: redisSkip }, () => {
  for (const method of ['get', 'post', 'put', 'patch', 'delete', 'options'] as const) {
    it(`session.${method}() sends ${method.toUpperCase()} through a worker process and resolves with a Response`, async () => {
      const future = session[method]('/echo');
      assert.ok(future instanceof Future);
      const res = await future;
      assert.ok(res instanceof Response);
      assert.equal(res.status, 200);
      assert.equal(res.json<Echo>().method, method.toUpperCase());
      assert.equal(res.url, `${origin.url}/echo`);
    });
  }

  it('session.head() sends HEAD: an empty body, the headers kept', async () => {
    const res = await session.head('/echo?tag=head');
    assert.equal(res.status, 200);
    assert.ok(res.body instanceof Uint8Array);
    assert.equal(res.body.byteLength, 0);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(origin.seen.find((s) => s.url === '/echo?tag=head')?.method, 'HEAD');
  });

  it('request({ method }) carries extension methods', async () => {
    assert.equal((await session.request({ method: 'PURGE', url: '/echo' })).json<Echo>().method, 'PURGE');
  });
});

describe('queue conformance: bodies', { skip: redisSkip }, () => {
  const cases: { name: string; init: Parameters<typeof session.post>[1]; body: string; type: string | undefined }[] = [
    { name: 'json', init: { json: { a: 1, b: [true, null, 'x'] } }, body: '{"a":1,"b":[true,null,"x"]}', type: 'application/json' },
    { name: 'form', init: { form: { a: '1', b: 'x y&z' } }, body: 'a=1&b=x+y%26z', type: 'application/x-www-form-urlencoded;charset=UTF-8' },
    { name: 'a string', init: { body: 'héllo wörld' }, body: 'héllo wörld', type: undefined },
    { name: 'bytes', init: { body: new Uint8Array([0x62, 0x79, 0x74, 0x65, 0x73]) }, body: 'bytes', type: undefined },
    { name: 'a view over part of a buffer', init: { body: new TextEncoder().encode('xx-view-yy').subarray(3, 7) }, body: 'view', type: undefined },
    { name: 'an ArrayBuffer', init: { body: new TextEncoder().encode('array buffer').buffer }, body: 'array buffer', type: undefined },
    { name: 'URLSearchParams', init: { body: new URLSearchParams({ k: 'v w' }) }, body: 'k=v+w', type: 'application/x-www-form-urlencoded;charset=UTF-8' },
  ];
  for (const c of cases) {
    it(`${c.name} arrives as sent, with its content-type`, async () => {
      const echo = (await session.post('/echo', c.init)).json<Echo>();
      assert.equal(echo.body, c.body);
      if (c.type !== undefined) assert.equal(echo.headers['content-type'], c.type);
    });
  }

  it('a FormData body (a field and a file Blob) arrives as multipart with its boundary', async () => {
    const form = new FormData();
    form.append('field', 'value');
    form.append('file', new Blob([new Uint8Array([0x00, 0xff, 0x41])], { type: 'application/octet-stream' }), 'f.bin');
    const echo = (await session.post('/echo?multipart=1', { body: form })).json<Echo>();
    assert.match(echo.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    const raw = origin.seen.find((s) => s.url === '/echo?multipart=1')?.body ?? Buffer.alloc(0);
    assert.ok(raw.includes('name="field"\r\n\r\nvalue'), raw.toString('latin1'));
    assert.ok(raw.includes('filename="f.bin"'), raw.toString('latin1'));
    assert.ok(raw.includes(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0xff, 0x41, 0x0d, 0x0a])), 'the file bytes, intact');
  });

  it('binary bytes (every byte value) arrive intact', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await session.put('/echo?binary=1', { body: bytes });
    const seen = origin.seen.find((s) => s.url === '/echo?binary=1');
    assert.deepEqual([...(seen?.body ?? [])], [...bytes]);
  });
});

describe('queue conformance: query, headers and session defaults', { skip: redisSkip }, () => {
  it('query records (strings, numbers, booleans, arrays) and URLSearchParams follow the URL’s own query', async () => {
    const p = params((await session.get('/echo?own=1', { query: { q: 'a b&c=d', n: 2, t: true, many: ['x', 'y'] } })).json<Echo>());
    assert.deepEqual([p.get('own'), p.get('q'), p.get('n'), p.get('t'), p.getAll('many')], ['1', 'a b&c=d', '2', 'true', ['x', 'y']]);
    const q = params(
      (
        await session.get('/echo', {
          query: new URLSearchParams([
            ['k', 'v1'],
            ['k', 'v 2'],
          ]),
        })
      ).json<Echo>(),
    );
    assert.deepEqual(q.getAll('k'), ['v1', 'v 2']);
  });

  it('headers as a record or a Headers', async () => {
    const a = (await session.get('/echo', { headers: { 'X-Num': 7, 'x-str': 's' } })).json<Echo>();
    assert.deepEqual([a.headers['x-num'], a.headers['x-str']], ['7', 's']);
    const b = (await session.get('/echo', { headers: new Headers({ 'X-From-Headers': 'yes' }) })).json<Echo>();
    assert.equal(b.headers['x-from-headers'], 'yes');
  });

  it('baseURL with a path, session headers and query merge with the request’s by the written rules', async () => {
    const merged = new FuturesSession({
      executor: env.executor,
      baseURL: `${origin.url}/echo/api/`,
      headers: { 'X-Session': 'session', 'X-Token': 'session-token' },
      query: { s: 'session', shared: 'from-session', drop: 'me' },
    });
    try {
      const echo = (
        await merged.get('items?own=1', { headers: { 'x-token': 'request-token', 'x-session': undefined }, query: { shared: 'req', drop: undefined } })
      ).json<Echo>();
      assert.ok(echo.url.startsWith('/echo/api/items?own=1&'), echo.url);
      assert.equal(echo.headers['x-token'], 'request-token');
      assert.equal(echo.headers['x-session'], undefined, 'undefined removes a session header');
      const p = params(echo);
      assert.deepEqual([p.get('s'), p.getAll('shared'), p.has('drop')], ['session', ['req'], false]);
      const plain = (await merged.get(`${origin.url}/echo/absolute`)).json<Echo>();
      assert.equal(plain.headers['x-session'], 'session', 'an absolute URL still gets the session headers');
      assert.equal(params(plain).get('drop'), 'me');
    } finally {
      await merged.close();
    }
  });
});

describe('queue conformance: background callbacks', { skip: redisSkip }, () => {
  it("background 'json' parses in the worker process; the body comes back too", async () => {
    const res = await session.get('/items', { background: 'json' });
    assert.deepEqual(res.data, items);
    assert.deepEqual(res.json(), items);
  });

  it("background 'text' decodes in the worker process", async () => {
    const res = await session.get('/text', { background: 'text' });
    assert.equal(res.data, 'héllo text');
  });

  it('a named callback from the worker process’s --callbacks module, keepBody false: only its result comes back', async () => {
    const res = await session.get('/items', { background: 'summarize', keepBody: false });
    assert.deepEqual(res.data, { count: 3, total: 10 });
    assert.ok(res.body instanceof Uint8Array);
    assert.equal(res.body.byteLength, 0);
    assert.equal(res.status, 200);
  });

  it('a callback that throws fails with TF_ERR_CALLBACK_FAILED, its error as cause', async () => {
    const error = await rejectsWith(session.get('/items', { background: 'fails' }), 'TF_ERR_CALLBACK_FAILED');
    assert.ok(error instanceof CallbackError);
    const cause = error.cause as Error;
    assert.equal(cause.name, 'RangeError');
    assert.equal(cause.message, 'callback exploded');
  });

  it('a name the worker process’s module does not export fails with TF_ERR_UNKNOWN_CALLBACK', async () => {
    const error = await rejectsWith(session.get('/items', { background: 'noSuchCallback' as never }), 'TF_ERR_UNKNOWN_CALLBACK');
    assert.ok(error instanceof UnknownCallbackError);
  });
});

describe('queue conformance: the Response', { skip: redisSkip }, () => {
  it('status, statusText, headers (repeated ones kept, set-cookie apart), url, redirected and timings', async () => {
    const res = await session.get('/headers');
    assert.equal(res.status, 201);
    assert.equal(res.statusText, 'Made It');
    assert.equal(res.ok, true);
    assert.ok(res.headers instanceof Headers);
    assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
    assert.equal(res.headers.get('x-multi'), 'one, two');
    assert.equal(res.url, `${origin.url}/headers`);
    assert.equal(res.redirected, false);
    for (const [name, ms] of Object.entries(res.timings)) assert.ok(Number.isFinite(ms), `timings.${name} is ${ms}`);
    assert.ok(res.timings.total >= 0, `timings.total is ${res.timings.total}`);
  });

  it('HTTP error statuses resolve (res.ok false)', async () => {
    const res = await session.get('/status/410?body=gone');
    assert.deepEqual([res.status, res.ok, res.text()], [410, false, 'gone']);
  });
});

describe('queue conformance: redirects', { skip: redisSkip }, () => {
  it('followed: res.redirected and the final res.url; both hops reach the server', async () => {
    const before = origin.seen.length;
    const res = await session.get('/to/302?location=/echo/final%3Fq%3D1');
    assert.equal(res.redirected, true);
    assert.equal(res.url, `${origin.url}/echo/final?q=1`);
    assert.deepEqual(
      origin.seen.slice(before).map((s) => s.url),
      ['/to/302?location=/echo/final%3Fq%3D1', '/echo/final?q=1'],
    );
  });

  const methodCases = [
    { status: 302, method: 'POST', expect: 'GET' },
    { status: 303, method: 'PUT', expect: 'GET' },
    { status: 307, method: 'POST', expect: 'POST' },
    { status: 308, method: 'PUT', expect: 'PUT' },
  ];
  for (const c of methodCases) {
    it(`${c.status} after ${c.method}: ${c.expect}${c.expect === c.method ? ' with its body' : ' without a body'}`, async () => {
      const echo = (await session.request({ method: c.method, url: `/to/${c.status}`, body: 'payload' })).json<Echo>();
      assert.equal(echo.method, c.expect);
      assert.equal(echo.body, c.expect === c.method ? 'payload' : '');
    });
  }

  it("redirect: 'manual' returns the 3xx itself", async () => {
    const res = await session.get('/to/301?location=/echo/final', { redirect: 'manual' });
    assert.deepEqual([res.status, res.redirected, res.headers.get('location')], [301, false, '/echo/final']);
  });

  it('more than maxRedirects rejects with TF_ERR_TOO_MANY_REDIRECTS', async () => {
    const error = await rejectsWith(session.get('/chain/5', { maxRedirects: 2 }), 'TF_ERR_TOO_MANY_REDIRECTS');
    assert.ok(error instanceof TooManyRedirectsError);
  });
});

describe('queue conformance: errors, coded and rebuilt as their classes', { skip: redisSkip }, () => {
  for (const status of [404, 500]) {
    it(`throwHttpErrors: ${status} rejects with TF_ERR_HTTP_STATUS carrying status and bodyExcerpt`, async () => {
      const error = await rejectsWith(session.get(`/status/${status}?body=why`, { throwHttpErrors: true }), 'TF_ERR_HTTP_STATUS');
      assert.ok(error instanceof HttpStatusError);
      assert.ok(error instanceof ThreadfetchError);
      assert.equal(error.status, status);
      assert.equal(error.bodyExcerpt, 'why');
      assert.equal(error.request?.url, `${origin.url}/status/${status}?body=why`);
    });
  }

  it('a connection refused rejects with TF_ERR_CONNECTION_REFUSED naming the request', async () => {
    const error = await rejectsWith(session.get('http://127.0.0.1:1/refused'), 'TF_ERR_CONNECTION_REFUSED');
    assert.ok(error instanceof ConnectionRefusedError);
    assert.deepEqual(error.request, { method: 'GET', url: 'http://127.0.0.1:1/refused' });
  });

  it('a request past its timeout rejects with TF_ERR_TIMEOUT and is aborted in its worker process', async () => {
    const abortedBefore = held.aborted;
    const future = session.get('/hold?n=timeout', { timeout: 300 });
    const error = await rejectsWith(future, 'TF_ERR_TIMEOUT');
    assert.ok(error instanceof TimeoutError);
    assert.equal(future.cancelled, false, 'a timeout is not a cancel');
    await waitFor(() => held.aborted > abortedBefore, 'the worker process to drop the timed-out request', 15_000);
  });

  it('headersTimeout rejects with TF_ERR_HEADERS_TIMEOUT from the worker process', async () => {
    await rejectsWith(session.get('/hold?n=headers-timeout', { headersTimeout: 200 }), 'TF_ERR_HEADERS_TIMEOUT');
  });
});
