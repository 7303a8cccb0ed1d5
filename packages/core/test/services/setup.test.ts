import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, SetupModuleError } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';
import { rejectsWith } from '../http/helpers.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe('setup: a MockAgent serves the session', () => {
  let session: FuturesSession;

  before(() => {
    session = new FuturesSession({ setup: fixture('mock-setup.js'), maxWorkers: 1 });
  });
  after(() => session.close({ force: true }));

  it('answers from the mock, nothing from the network', async () => {
    const res = await session.get('http://upstream.test/items');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { items: [1, 2, 3] });
  });

  it('a request the mock does not know fails (disableNetConnect), with a coded error', async () => {
    const error = await rejectsWith(session.get('http://upstream.test/unmocked'), 'TF_ERR_NETWORK');
    assert.match(String((error.cause as Error)?.message), /Mock dispatch not matched/);
  });

  it('threadfetch follows the redirects, decodes the body and sends the request body above the dispatcher', async () => {
    const moved = await session.get('http://upstream.test/moved');
    assert.equal(moved.redirected, true);
    assert.equal(moved.url, 'http://upstream.test/items');
    assert.deepEqual(moved.json(), { items: [1, 2, 3] });
    assert.equal((await session.get('http://upstream.test/gzipped')).text(), 'unzipped above the dispatcher');
    const echo = (await session.post('http://upstream.test/echo', { json: { a: 1 } })).json() as { body: string; headers: Record<string, string> };
    assert.equal(echo.body, '{"a":1}');
    assert.equal(echo.headers['content-type'], 'application/json');
  });

  it('follow-up requests from callbacks go through it too', async () => {
    const withCallbacks = new FuturesSession({ setup: fixture('mock-setup.js'), callbacks: fixture('probe-callbacks.js'), executor: session.executor });
    try {
      assert.deepEqual((await withCallbacks.get('http://upstream.test/gzipped', { background: 'followUp' })).data, { items: [1, 2, 3] });
    } finally {
      await withCallbacks.close();
    }
  });

  it('the retry policy retries through the dispatcher', async () => {
    const res = await session.get('http://upstream.test/flaky', { retry: { limit: 2, delay: 1 } });
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'second time lucky');
  });
});

describe('setup: interceptors and per-session loading', () => {
  let server: TestServer;
  let tagged: FuturesSession;

  before(async () => {
    server = await startServer({ '/ok': (req, res) => sendJson(res, { setup: req.headers['x-setup'] ?? null }) });
    tagged = new FuturesSession({ baseURL: server.url, setup: fixture('tagging-setup.js'), maxWorkers: 1 });
  });
  after(async () => {
    await tagged.close({ force: true });
    await server.close();
  });

  it('dispatcher() wraps the default Agent: requests reach the real server through the interceptor', async () => {
    const first = (await tagged.get('/ok')).json() as { setup: string };
    assert.match(first.setup, /^imports=1 calls=1 thread=\d+$/);
    const again = await Promise.all([tagged.get('/ok'), tagged.get('/ok', { query: { n: 2 } })]);
    for (const res of again) assert.deepEqual(res.json(), first, 'the module is imported, and dispatcher() called, once per worker');
  });

  it('dispatcher() is called again for other connection settings, over their own Agent', async () => {
    const other = (await tagged.get('/ok', { connectTimeout: 1234 })).json() as { setup: string };
    assert.match(other.setup, /^imports=1 calls=2 /);
  });

  it('on a shared executor, only the session with the setup module goes through it', async () => {
    const plain = new FuturesSession({ baseURL: server.url, executor: tagged.executor });
    try {
      assert.deepEqual((await plain.get('/ok')).json(), { setup: null });
      assert.match(((await tagged.get('/ok')).json() as { setup: string }).setup, /^imports=1 /);
    } finally {
      await plain.close();
    }
  });

  it('a setup module without a dispatcher export runs before the callbacks; requests use the default dispatcher', async () => {
    const session = new FuturesSession({
      baseURL: server.url,
      executor: tagged.executor,
      setup: fixture('side-effect-setup.js'),
      callbacks: fixture('probe-callbacks.js'),
    });
    try {
      const res = await session.get('/ok', { background: 'setupRan' });
      assert.equal(res.data, true);
      assert.deepEqual(res.json(), { setup: null });
    } finally {
      await session.close();
    }
  });
});

describe('setup: an Agent of its own', () => {
  it('requests go over a Unix socket, with the URL unchanged; a dispatcher() that throws is TF_ERR_SETUP_MODULE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-setup-'));
    const socketPath = join(dir, 'upstream.sock');
    const server = http.createServer((req, res) => sendJson(res, { host: req.headers.host, url: req.url }));
    server.listen(socketPath);
    await once(server, 'listening');
    // Workers get a copy of the environment as it is when they start.
    process.env.TF_TEST_SOCKET = socketPath;
    const session = new FuturesSession({ setup: fixture('unix-socket-setup.js'), maxWorkers: 1 });
    delete process.env.TF_TEST_SOCKET;
    const unset = new FuturesSession({ setup: fixture('unix-socket-setup.js'), maxWorkers: 1 });
    try {
      assert.deepEqual((await session.get('http://upstream.test/over-the-socket')).json(), { host: 'upstream.test', url: '/over-the-socket' });
      await rejectsWith(unset.get('http://upstream.test/x'), 'TF_ERR_SETUP_MODULE', /unix-socket-setup\.js: dispatcher\(\) threw: TF_TEST_SOCKET is not set/);
    } finally {
      await Promise.all([session.close({ force: true }), unset.close({ force: true })]);
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('setup: failures are coded errors naming the module', () => {
  let server: TestServer;
  let base: FuturesSession;

  before(async () => {
    server = await startServer({ '/ok': (_req, res) => res.end('ok') });
    base = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
  });
  after(async () => {
    await base.close({ force: true });
    await server.close();
  });

  const cases: [string, string, RegExp][] = [
    ['a module that does not exist', 'does-not-exist.js', /does-not-exist\.js failed to load/],
    ['a module that throws at import', 'throwing-setup.js', /throwing-setup\.js failed to load: setup exploded at import/],
    ['a dispatcher() that returns no Dispatcher', 'not-a-dispatcher-setup.js', /not-a-dispatcher-setup\.js: dispatcher\(\) must return an undici Dispatcher/],
  ];
  for (const [what, file, message] of cases) {
    it(`${what}: TF_ERR_SETUP_MODULE, for every request of the session, and nothing is sent`, async () => {
      const session = new FuturesSession({ baseURL: server.url, executor: base.executor, setup: fixture(file) });
      try {
        for (const path of ['/ok', '/ok?again']) {
          const error = await rejectsWith(session.get(path), 'TF_ERR_SETUP_MODULE', message);
          assert.ok(error instanceof SetupModuleError);
          assert.equal(error.request?.url, `${server.url}${path}`);
        }
        assert.equal(server.seen.length, 0);
        assert.equal((await base.get('/ok')).text(), 'ok', 'other sessions on the executor are not affected');
        server.seen.length = 0;
      } finally {
        await session.close();
      }
    });
  }

  it('a setup option that is not a file: URL or a path is bad input at construction', () => {
    assert.throws(() => new FuturesSession({ setup: new URL('https://example.com/setup.js') }), /options\.setup must be a file: URL or a path/);
    assert.throws(() => new FuturesSession({ setup: '' }), /options\.setup must be a file: URL or a non-empty path/);
  });
});
