/**
 * Untrusted input cannot pollute prototypes, on either thread: options, headers, query, bodies and
 * cookies built by JSON.parse with `__proto__` either work as plain data or are refused with
 * TF_ERR_INVALID_ARGUMENT. A callback is only ever an own export of the session's module.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { channels, FuturesSession, type SessionOptions, type ThreadfetchError } from '@threadfetch/core';
import { startServer, type TestServer } from '../helpers/server.js';
import { type Crashy, crashy, outcome } from './helpers.js';

let server: TestServer;
let session: FuturesSession<Crashy>;
/** Raw request headers as sent (Node's req.headers drops a header named __proto__), by URL. */
const raw = new Map<string, string[]>();

before(async () => {
  server = await startServer({
    '/echo': (req, res) => {
      raw.set(req.url ?? '', req.rawHeaders);
      res.end('ok');
    },
    '/json': (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "a": 1}');
    },
    '/set-cookies': (_req, res) => {
      res.setHeader('set-cookie', ['polluted=yes; Domain=__proto__; Path=/', '__proto__=as-data; Path=/', 'constructor=also-data; Path=/']);
      res.end('ok');
    },
  });
  session = new FuturesSession<Crashy>({ baseURL: server.url, maxWorkers: 1, callbacks: crashy });
});
after(async () => {
  await session.close({ force: true });
  await server.close();
});

/** Object.prototype is clean on the main thread and in the worker. */
async function assertClean(): Promise<void> {
  assert.equal(({} as { polluted?: string }).polluted, undefined, 'Object.prototype was polluted on the main thread');
  assert.equal((await session.get('/echo?probe', { background: 'pollution' })).data, null, 'Object.prototype was polluted in the worker');
}
afterEach(assertClean);

const evil = () => JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as Record<string, never>;
/** String values under the dangerous names: valid header names, query names, form fields and cookie names. */
const evilStrings = () => JSON.parse('{"__proto__": "proto-value", "constructor": "constructor-value", "y": "1"}') as Record<string, string>;

/** Works (resolves) or is refused as bad input; anything else fails the test. */
async function worksOrRefused(future: PromiseLike<{ status: number }>): Promise<'works' | 'refused'> {
  try {
    assert.equal((await future).status, 200);
    return 'works';
  } catch (error) {
    assert.equal((error as ThreadfetchError).code, 'TF_ERR_INVALID_ARGUMENT', String(error));
    return 'refused';
  }
}

describe('prototype pollution through request options', () => {
  for (const [what, options] of [
    ['headers', () => ({ headers: evil() })],
    ['query', () => ({ query: evil() })],
    ['form', () => ({ method: 'POST', form: evil() })],
    ['json', () => ({ method: 'POST', json: evil() })],
    ['cookies', () => ({ cookies: evil() })],
    ['hooks', () => ({ hooks: evil() })],
    ['auth', () => ({ auth: evil() })],
    ['retry', () => ({ retry: evil() })],
    ['tls', () => ({ tls: evil() })],
    ['the request options themselves', () => evil()],
  ] as const) {
    it(`${what} from JSON.parse with __proto__ and constructor.prototype works as data or is refused`, async () => {
      const { method = 'GET', ...rest } = options() as { method?: string };
      await worksOrRefused(session.request({ method, url: '/echo?opt', ...rest }));
    });
  }

  it('string values under __proto__ and constructor are sent as plain data: header names, query, form fields, cookies', async () => {
    await session.get('/echo?h', { headers: evilStrings() });
    const headers = raw.get('/echo?h') ?? [];
    assert.equal(headers[headers.indexOf('__proto__') + 1], 'proto-value', JSON.stringify(headers));
    assert.equal(headers[headers.indexOf('constructor') + 1], 'constructor-value');

    await session.get('/echo', { query: evilStrings() });
    assert.ok(
      server.seen.some((s) => s.url === '/echo?__proto__=proto-value&constructor=constructor-value&y=1'),
      'query sent as is',
    );

    await session.post('/echo?f', { form: evilStrings() });
    assert.equal(server.seen.find((s) => s.url === '/echo?f')?.body, '__proto__=proto-value&constructor=constructor-value&y=1');

    await session.get('/echo?c', { cookies: evilStrings() });
    const cookie = raw.get('/echo?c') ?? [];
    assert.equal(cookie[cookie.indexOf('cookie') + 1], '__proto__=proto-value; constructor=constructor-value; y=1');
  });

  it('a JSON body with __proto__ reaches the server with the literal keys', async () => {
    await session.post('/echo?json', { json: evil() });
    const sent = server.seen.find((s) => s.url === '/echo?json');
    assert.deepEqual(Object.keys(JSON.parse(sent?.body ?? '{}')), ['__proto__', 'constructor']);
  });
});

describe('prototype pollution through responses', () => {
  it('a JSON response with __proto__ parsed in the worker comes back as data with its own keys', async () => {
    const res = await session.get('/json', { background: 'json' });
    const data = res.data as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.deepEqual(Object.keys(data), ['__proto__', 'constructor', 'a']);
    assert.equal((data as { polluted?: string }).polluted, undefined);
    assert.deepEqual(Object.keys(res.json() as object), ['__proto__', 'constructor', 'a'], 'and parsed on the main thread');
  });

  it('set-cookie with Domain=__proto__ and cookies named __proto__ and constructor: stored as data in the jar', async () => {
    const jarred = new FuturesSession({ baseURL: server.url, executor: session.executor, cookies: true });
    try {
      await jarred.get('/set-cookies');
      await jarred.get('/echo?jar');
      const headers = raw.get('/echo?jar') ?? [];
      assert.equal(headers[headers.indexOf('cookie') + 1], '__proto__=as-data; constructor=also-data');
    } finally {
      await jarred.close();
    }
  });
});

describe('prototype pollution through session options', () => {
  it('session options with __proto__ are refused at construction', () => {
    assert.throws(
      () => new FuturesSession(evil()),
      (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT',
    );
  });

  for (const [what, options] of [
    ['headers', () => ({ headers: evil() })],
    ['query', () => ({ query: evil() })],
    ['auth', () => ({ auth: evil() })],
    ['retry', () => ({ retry: evil() })],
    ['headers with string values', () => ({ headers: evilStrings() })],
  ] as const) {
    it(`session ${what} from JSON.parse work as data or are refused`, async () => {
      let made: FuturesSession | undefined;
      try {
        made = new FuturesSession({ baseURL: server.url, executor: session.executor, ...(options() as SessionOptions) });
      } catch (error) {
        assert.equal((error as ThreadfetchError).code, 'TF_ERR_INVALID_ARGUMENT', String(error));
        return;
      }
      try {
        await worksOrRefused(made.get('/echo?session'));
      } finally {
        await made.close();
      }
    });
  }
});

describe('callbacks are own exports of the session’s module only', () => {
  for (const name of [
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
    'then',
    'default',
    'prototype',
    '../other-callbacks',
    'file:///etc/passwd',
  ]) {
    it(`background: ${JSON.stringify(name)} rejects with TF_ERR_UNKNOWN_CALLBACK`, async () => {
      await assert.rejects(session.get('/echo?cb', { background: name as never }), (e: ThreadfetchError) => e.code === 'TF_ERR_UNKNOWN_CALLBACK');
    });
  }

  it('a request cannot name another module: callbacks is a session option only', async () => {
    await assert.rejects(
      session.get('/echo?cb', { callbacks: 'data:text/javascript,export const x = 1' } as never),
      (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT',
    );
  });
});

describe('credentials in URLs', () => {
  /** A URL to this test's server with a user and password in it. */
  const withCredentials = (path: string, password: string) => {
    const url = new URL(path, server.url);
    url.username = 'alice';
    url.password = password;
    return url.href;
  };

  it('a URL’s password appears neither in error messages nor in diagnostics_channel messages', async () => {
    const messages: unknown[] = [];
    const fn = (message: unknown) => messages.push(message);
    for (const name of [channels.create, channels.start, channels.error]) diagnosticsChannel.subscribe(name, fn);
    try {
      const future = session.get('http://alice:url-secret-1@127.0.0.1:1/');
      const r = await outcome(future);
      assert.ok(!r.ok);
      assert.equal(r.code, 'TF_ERR_CONNECTION_REFUSED');
      assert.ok(!r.message.includes('url-secret-1'), r.message);
      const error = future.error as ThreadfetchError;
      assert.ok(!inspect(error).includes('url-secret-1'), inspect(error));
      assert.ok(!String(error.request?.url).includes('url-secret-1'), error.request?.url);
      assert.equal(messages.length, 3, 'create, start and error');
      const published = messages.map((m) => JSON.stringify((m as { request: unknown }).request)).join();
      assert.ok(!published.includes('url-secret-1'), published);
      assert.ok(!inspect(messages, { depth: 5 }).includes('url-secret-1'));
    } finally {
      for (const name of [channels.create, channels.start, channels.error]) diagnosticsChannel.unsubscribe(name, fn);
    }
  });

  it('the user name goes too: errors name the URL without its credentials', async () => {
    const future = session.get('http://token-as-user-3@127.0.0.1:1/');
    await assert.rejects(future, (e: ThreadfetchError) => {
      assert.ok(!inspect(e).includes('token-as-user-3'), inspect(e));
      assert.equal(e.request?.url, 'http://127.0.0.1:1/');
      return true;
    });
  });

  it('bad input whose URL holds credentials: the error shows them as [redacted]', async () => {
    await assert.rejects(session.get('http://alice:url-secret-4@127.0.0.1:1/', { query: 5 as never }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT');
      assert.ok(!inspect(e).includes('url-secret-4'), inspect(e));
      assert.equal(e.request?.url, 'http://[redacted]@127.0.0.1:1/');
      return true;
    });
  });

  it('a callback’s error that quotes a URL with credentials comes back with them [redacted]', async () => {
    const future = session.get('/echo?quote', { background: 'throwsUrl' });
    await assert.rejects(future, (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.ok(!inspect(e).includes('url-secret-5'), inspect(e));
      assert.match((e.cause as Error).message, /http:\/\/\[redacted\]@example\.test\//);
      return true;
    });
  });

  it('the credentials still reach the server, as HTTP Basic; res.url has none', async () => {
    const res = await session.get(withCredentials('/echo?creds', 'url-secret-6'));
    assert.equal(res.status, 200);
    const headers = raw.get('/echo?creds') ?? [];
    assert.equal(headers[headers.indexOf('authorization') + 1], `Basic ${Buffer.from('alice:url-secret-6').toString('base64')}`);
    assert.ok(!res.url.includes('url-secret-6'), res.url);
  });
});
