import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Future, FuturesSession, InvalidArgumentError, ThreadExecutor, ThreadfetchError } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
/** No baseURL: relative URLs are bad input. */
let session: FuturesSession;

before(async () => {
  server = await startServer({ '/ok': (_req, res) => sendJson(res, { ok: true }) });
  session = new FuturesSession({ maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await server.close();
});

function isInvalidArgument(error: unknown): boolean {
  assert.ok(error instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(error)}`);
  assert.ok(error instanceof TypeError, 'InvalidArgumentError is a TypeError');
  assert.ok(error instanceof ThreadfetchError, 'InvalidArgumentError is a ThreadfetchError');
  assert.equal(error.code, 'TF_ERR_INVALID_ARGUMENT');
  assert.equal(error.name, 'InvalidArgumentError');
  return true;
}

describe('bad request input rejects the future, never throws', () => {
  const url = () => `${server.url}/ok`;
  const cases: [string, () => Future<unknown>][] = [
    ['a method with a space', () => session.request({ method: 'GE T', url: url() })],
    ['an empty method', () => session.request({ method: '', url: url() })],
    ['CR/LF in a header value', () => session.get(url(), { headers: { 'x-injected': 'a\r\nx-evil: 1' } })],
    ['a bad header name', () => session.get(url(), { headers: { 'bad name': 'x' } })],
    ['a header value that is an object', () => session.get(url(), { headers: { 'x-obj': {} as never } })],
    ['an unknown option', () => session.get(url(), { tiemout: 5 } as never)],
    ['json and body together', () => session.post(url(), { json: { a: 1 }, body: 'b' })],
    ['non-serializable json (BigInt)', () => session.post(url(), { json: { n: 1n } })],
    ['json that is undefined-like (a function)', () => session.post(url(), { json: () => 1 })],
    ['a negative timeout', () => session.get(url(), { timeout: -1 })],
    ['a zero timeout', () => session.get(url(), { timeout: 0 })],
    ['a NaN timeout', () => session.get(url(), { timeout: Number.NaN })],
    ['query as a string', () => session.get(url(), { query: 'a=1' as never })],
    ['query as an array', () => session.get(url(), { query: [['a', '1']] as never })],
    ['a query value that is an object', () => session.get(url(), { query: { a: {} as never } })],
    ['a non-http URL (ftp:)', () => session.get('ftp://127.0.0.1/file')],
    ['a file: URL', () => session.get('file:///etc/passwd')],
    ['a relative URL without baseURL', () => session.get('/ok')],
    ['a URL that is not a string or URL', () => session.get(42 as never)],
    ['a URL object that cannot be turned into a string', () => session.get(Object.create(null) as never)],
    ['a method that cannot be turned into a string', () => session.request({ method: Object.create(null) as never, url: url() })],
    ['request() without an object', () => session.request(null as never)],
    ['request() without a url', () => session.request({ method: 'GET' } as never)],
    ['options that are not an object', () => session.get(url(), 'fast' as never)],
    ['a body of the wrong type', () => session.put(url(), { body: 42 as never })],
    ['a signal that is not an AbortSignal', () => session.get(url(), { signal: {} as never })],
    ['keepBody that is not a boolean', () => session.get(url(), { keepBody: 'no' as never })],
    ['an empty background name', () => session.get(url(), { background: '' as never })],
  ];

  for (const [what, call] of cases) {
    it(`${what}: TF_ERR_INVALID_ARGUMENT`, async () => {
      let future: Future<unknown> | undefined;
      assert.doesNotThrow(() => {
        future = call();
      }, 'the call itself must not throw');
      assert.ok(future instanceof Future);
      await assert.rejects(future, isInvalidArgument);
      assert.equal(future.done, true);
    });
  }

  it('none of the bad requests reached the server', () => {
    assert.equal(server.seen.length, 0);
  });

  it('the error names the request method and URL', async () => {
    const target = `${server.url}/ok`;
    await assert.rejects(session.get(target, { timeout: -5 }), (e: unknown) => {
      isInvalidArgument(e);
      assert.ok((e as Error).message.includes(`GET ${target}`), (e as Error).message);
      assert.ok((e as Error).message.includes('timeout'), (e as Error).message);
      return true;
    });
  });

  it('a valid request on the same session still works', async () => {
    assert.equal((await session.get(`${server.url}/ok`)).status, 200);
  });
});

describe('constructor options are validated at once (TypeError naming the option)', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['maxWorkers: 0', { maxWorkers: 0 }, /maxWorkers/],
    ['maxWorkers: 1.5', { maxWorkers: 1.5 }, /maxWorkers/],
    ['maxWorkers: "2"', { maxWorkers: '2' }, /maxWorkers/],
    ['concurrencyPerWorker: 0', { concurrencyPerWorker: 0 }, /concurrencyPerWorker/],
    ['maxQueue: -1', { maxQueue: -1 }, /maxQueue/],
    ['an unknown option', { maxWorker: 2 }, /maxWorker/],
    ['executor together with maxWorkers', { executor: {}, maxWorkers: 2 }, /maxWorkers[\s\S]*executor|executor[\s\S]*maxWorkers/],
    ['a negative timeout', { timeout: -5 }, /timeout/],
    ['a baseURL that is not a URL', { baseURL: 'not a url' }, /baseURL/],
    ['a non-http baseURL', { baseURL: 'ftp://example.com/' }, /baseURL/],
    ['callbacks that are not a path or URL', { callbacks: 42 }, /callbacks/],
    ['callbacks as an http URL', { callbacks: new URL('http://example.com/cb.js') }, /callbacks/],
    ['a session header with CR/LF', { headers: { 'x-a': 'a\nb' } }, /headers/],
    ['a session query that is a string', { query: 'a=1' }, /query/],
  ];

  for (const [what, options, names] of bad) {
    it(`${what} throws`, () => {
      assert.throws(
        () => new FuturesSession(options as never),
        (e: unknown) => isInvalidArgument(e) && names.test((e as Error).message),
      );
    });
  }

  it('ThreadExecutor validates its own options', () => {
    assert.throws(
      () => new ThreadExecutor({ maxWorkers: 0 }),
      (e: unknown) => isInvalidArgument(e) && /maxWorkers/.test((e as Error).message),
    );
    assert.throws(
      () => new ThreadExecutor({ threads: 2 } as never),
      (e: unknown) => isInvalidArgument(e) && /threads/.test((e as Error).message),
    );
  });
});

describe('options.executor', () => {
  it('must be an Executor: another session, {}, null-ish objects or the class are refused naming the option', async () => {
    const other = new FuturesSession({ maxWorkers: 1 });
    try {
      for (const [what, bad, hint] of [
        ['another session', other, /pass `session\.executor`/],
        ['an empty object', {}, /missing submit, cancel, destroy, stats/],
        ['the class', ThreadExecutor, /pass an instance/],
        ['a number', 3, /options\.executor/],
      ] as const) {
        assert.throws(
          () => new FuturesSession({ executor: bad as never }),
          (e: unknown) => isInvalidArgument(e) && /options\.executor must be an Executor/.test((e as Error).message) && hint.test((e as Error).message),
          what,
        );
      }
      const shared = new FuturesSession({ executor: other.executor });
      assert.equal(shared.executor, other.executor, 'a real executor is taken');
      await shared.close();
    } finally {
      await other.close();
    }
  });
});
