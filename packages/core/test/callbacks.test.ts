import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CallbackError, CallbacksModuleError, FuturesSession, RemoteError, ThreadfetchError, TimeoutError, UnknownCallbackError } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from './helpers/server.js';
import { seenCount, waitFor, waitForSeen } from './helpers/wait.js';

const callbacks = new URL('./fixtures/callbacks.js', import.meta.url);
const items = { items: [{ price: 2 }, { price: 3 }, { price: 10 }] };

let server: TestServer;
let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;

before(async () => {
  server = await startServer({
    '/items': (_req, res) => sendJson(res, items),
    '/start': (_req, res) => sendJson(res, { start: true }),
    '/notice': (_req, res) => res.end('noted'),
    '/plain': (_req, res) => res.end('plain text'),
  });
  session = new FuturesSession({ baseURL: server.url, callbacks, maxWorkers: 1 });
});

after(async () => {
  await session.close({ force: true });
  await server.close();
});

describe('callbacks: results', () => {
  it('built-ins json and text need no callbacks module', async () => {
    const bare = new FuturesSession({ baseURL: server.url, executor: session.executor });
    try {
      assert.deepEqual((await bare.get('/items', { background: 'json' })).data, items);
      const text = await bare.get('/plain', { background: 'text' });
      assert.equal(text.data, 'plain text');
      assert.equal(text.text(), 'plain text', 'the body is kept as well');
    } finally {
      await bare.close();
    }
  });

  it('a user callback reduces the response in the worker', async () => {
    const res = await session.get('/items', { background: 'summarize' });
    assert.deepEqual(res.data, { count: 3, total: 15 });
  });

  it('keepBody: false drops the body: an empty Uint8Array, never undefined; data is kept', async () => {
    const res = await session.get('/items', { background: 'summarize', keepBody: false });
    assert.ok(res.body instanceof Uint8Array);
    assert.equal(res.body.byteLength, 0);
    assert.equal(res.text(), '');
    assert.deepEqual(res.data, { count: 3, total: 15 });
    const plain = await session.get('/items', { keepBody: false });
    assert.ok(plain.body instanceof Uint8Array);
    assert.equal(plain.body.byteLength, 0);
  });

  it('a returned Uint8Array comes back as bytes', async () => {
    const res = await session.get('/items', { background: 'bytes' });
    assert.ok(res.data instanceof Uint8Array);
    assert.deepEqual([...res.data], [1, 2, 3]);
  });

  it('a returned ArrayBuffer comes back as an ArrayBuffer', async () => {
    const res = await session.get('/items', { background: 'arrayBuffer' });
    assert.ok(res.data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(res.data)], [9, 8, 7, 6]);
  });

  it('a returned pooled Buffer comes back as exactly its bytes, not its 8 KiB pool', async () => {
    const res = await session.get('/items', { background: 'pooledBuffer' });
    assert.ok(res.data instanceof Uint8Array);
    assert.equal(res.data.byteLength, 5);
    assert.equal(Buffer.from(res.data).toString(), 'hello');
  });

  it('a callback may return the response body itself; data and body both hold it', async () => {
    const res = await session.get('/plain', { background: 'echoBody' });
    assert.ok(res.data instanceof Uint8Array);
    assert.equal(Buffer.from(res.data).toString(), 'plain text');
    assert.equal(res.text(), 'plain text');
  });

  it('the callbacks module may be given as a file path string', async () => {
    const byPath = new FuturesSession<typeof import('./fixtures/callbacks.js')>({
      baseURL: server.url,
      executor: session.executor,
      callbacks: fileURLToPath(callbacks),
    });
    try {
      assert.deepEqual((await byPath.get('/items', { background: 'summarize' })).data, { count: 3, total: 15 });
    } finally {
      await byPath.close();
    }
  });

  it('ctx.request makes a follow-up request to the same server from the worker', async () => {
    const itemsBefore = seenCount(server, '/items');
    const res = await session.get('/start', { background: 'followUp' });
    assert.deepEqual(res.data, { first: 200, next: { count: 3, total: 15 } });
    assert.equal(seenCount(server, '/items'), itemsBefore + 1);
  });
});

describe('callbacks: failures', () => {
  it('a callback that throws gives TF_ERR_CALLBACK_FAILED with its cause and the request', async () => {
    const url = `${server.url}/items?fails=1`;
    const error = await session.get(url, { background: 'fails' }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CallbackError);
    assert.ok(error instanceof ThreadfetchError);
    assert.equal(error.code, 'TF_ERR_CALLBACK_FAILED');
    assert.equal(error.name, 'CallbackError');
    assert.ok(error.message.includes(`GET ${url}`), error.message);
    assert.ok(error.message.includes('callback exploded'), error.message);
    assert.equal(error.request?.method, 'GET');
    assert.equal(error.request?.url, url);
    const cause = error.cause as Error;
    assert.ok(cause instanceof Error);
    assert.equal(cause.name, 'RangeError');
    assert.equal(cause.message, 'callback exploded');
    assert.match(cause.stack ?? '', /callback exploded[\s\S]*callbacks\.js/);
  });

  it('an async rejection keeps the cause code', async () => {
    await assert.rejects(session.post('/items', { background: 'failsWithCode' }), (e: unknown) => {
      assert.ok(e instanceof CallbackError);
      assert.ok(e.cause instanceof RemoteError);
      assert.equal(e.cause.code, 'E_CUSTOM');
      assert.equal(e.cause.message, 'custom failure');
      assert.ok(e.message.includes(`POST ${server.url}/items`), e.message);
      return true;
    });
  });

  it('an unknown callback name gives TF_ERR_UNKNOWN_CALLBACK, with or without a module', async () => {
    await assert.rejects(
      session.get('/items', { background: 'noSuchCallback' as 'json' }),
      (e: unknown) => e instanceof UnknownCallbackError && e.code === 'TF_ERR_UNKNOWN_CALLBACK' && e.message.includes('noSuchCallback'),
    );
    const bare = new FuturesSession({ baseURL: server.url, executor: session.executor });
    await assert.rejects(bare.get('/items', { background: 'summarize' }), (e: unknown) => e instanceof UnknownCallbackError);
    await bare.close();
  });

  it('a callbacks module that does not exist gives TF_ERR_CALLBACKS_MODULE', async () => {
    const missing = new FuturesSession({
      baseURL: server.url,
      executor: session.executor,
      callbacks: new URL('./fixtures/does-not-exist.js', import.meta.url),
    });
    await assert.rejects(missing.get('/items', { background: 'summarize' }), (e: unknown) => {
      assert.ok(e instanceof CallbacksModuleError);
      assert.equal(e.code, 'TF_ERR_CALLBACKS_MODULE');
      assert.ok(e.message.includes('does-not-exist.js'), e.message);
      assert.ok(e.cause instanceof Error);
      return true;
    });
    assert.equal((await missing.get('/items', { background: 'json' })).status, 200, 'built-ins still work');
    await missing.close();
  });

  it('an uncloneable return value fails only its request; siblings in the same batch succeed', async () => {
    const bad = session.get('/items?bad', { background: 'uncloneable' });
    const reduced = session.get('/items?reduced', { background: 'summarize' });
    const bytes = session.get('/items?bytes', { background: 'bytes' });
    const plain = session.get('/items?plain');
    await assert.rejects(bad, (e: unknown) => e instanceof CallbackError && e.code === 'TF_ERR_CALLBACK_FAILED');
    assert.deepEqual((await reduced).data, { count: 3, total: 15 });
    assert.deepEqual([...(await bytes).data], [1, 2, 3]);
    assert.deepEqual((await plain).json(), items);
  });

  it('the uncloneable-value error names its request (method and URL), as every request error does', async () => {
    const url = `${server.url}/items?uncloneable`;
    await assert.rejects(session.get(url, { background: 'uncloneable' }), (e: unknown) => {
      assert.ok(e instanceof CallbackError);
      assert.ok(e.message.includes(`GET ${url}`), e.message);
      assert.equal(e.request?.method, 'GET');
      assert.equal(e.request?.url, url);
      return true;
    });
  });
});

describe('callbacks: ctx.signal', () => {
  it('is aborted when the future is cancelled, and the worker goes on', async () => {
    const started = seenCount(server, '/notice/started');
    const future = session.get('/items', { background: 'notifyOnAbort' });
    await waitForSeen(server, '/notice/started', started + 1);
    assert.equal(future.cancel(), true);
    await assert.rejects(future, (e: unknown) => (e as ThreadfetchError).code === 'TF_ERR_ABORTED');
    await waitFor(() => server.seen.some((s) => s.url === '/notice/aborted?reason=AbortedError'), 'the callback to see ctx.signal abort');
    assert.equal((await session.get('/items', { background: 'summarize' })).status, 200);
  });

  it('is aborted when the request deadline passes', async () => {
    const future = session.get('/items', { background: 'notifyOnAbort', timeout: 500 });
    await assert.rejects(future, (e: unknown) => e instanceof TimeoutError && e.code === 'TF_ERR_TIMEOUT');
    await waitFor(() => server.seen.some((s) => s.url === '/notice/aborted?reason=TimeoutError'), 'the callback to see ctx.signal abort on timeout');
  });
});
