/**
 * QueueExecutor end to end: a session whose requests go through Redis to a `threadfetch-worker`
 * process and back, with the local executor's results and error codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { json, startServer, type TestServer } from './helpers/http-server.js';
import { type ConformanceCallbacks, conformanceCallbacks, type QueueEnv, startQueueEnv } from './helpers/queue-env.js';
import { redisSkip } from './helpers/redis.js';

const maxResultBytes = 64 * 1024;

describe('QueueExecutor: requests through a worker process', { skip: redisSkip, timeout: 60_000 }, () => {
  let env: QueueEnv;
  let server: TestServer;
  let session: FuturesSession<ConformanceCallbacks>;

  before(async () => {
    server = await startServer({
      '/items': json({ items: [{ price: 2 }, { price: 3 }, { price: 5 }] }),
      '/big': (_req, res) => res.end(Buffer.alloc(maxResultBytes * 2, 120)),
      '/bytes': (_req, res) => res.end(new Uint8Array([0, 1, 2, 255])),
    });
    env = await startQueueEnv({ executor: { maxResultBytes } });
    session = new FuturesSession<ConformanceCallbacks>({ executor: env.executor, callbacks: conformanceCallbacks, baseURL: server.url });
  });

  after(async () => {
    await session?.close({ force: true });
    await env?.close();
    await server?.close();
  });

  async function code(promise: PromiseLike<unknown>): Promise<string | undefined> {
    try {
      await promise;
    } catch (error) {
      return (error as ThreadfetchError).code;
    }
    assert.fail('expected a rejection');
  }

  test('a GET returns status, headers, body and the background callback data', async () => {
    const res = await session.get('/items', { background: 'summarize' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-test'), 'yes');
    assert.deepEqual(res.json(), { items: [{ price: 2 }, { price: 3 }, { price: 5 }] });
    assert.deepEqual(res.data, { count: 3, total: 10 });
  });

  test('bytes survive both ways: a binary request body, a binary response, and callback values JSON would lose', async () => {
    const res = await session.post('/bytes', { body: new Uint8Array([9, 8, 7]), background: 'rich' });
    assert.deepEqual([...res.body], [0, 1, 2, 255]);
    const data = res.data as { bytes: Uint8Array; map: Map<string, number>; when: Date };
    assert.deepEqual([...data.bytes], [1, 2, 3]);
    assert.equal(data.map.get('status'), 200);
    assert.equal(data.when.getTime(), 0);
  });

  test('a refused connection is TF_ERR_CONNECTION_REFUSED, naming the request', async () => {
    const error = await session.get('http://127.0.0.1:1/nothing').then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as ThreadfetchError,
    );
    assert.equal(error.code, 'TF_ERR_CONNECTION_REFUSED');
    assert.equal(error.request?.url, 'http://127.0.0.1:1/nothing');
  });

  test('an HTTP error status with throwHttpErrors is TF_ERR_HTTP_STATUS; without it, it resolves', async () => {
    assert.equal(await code(session.get('/missing', { throwHttpErrors: true })), 'TF_ERR_HTTP_STATUS');
    assert.equal((await session.get('/missing')).status, 404);
  });

  test('a callback the worker process does not have is TF_ERR_UNKNOWN_CALLBACK; one that throws is TF_ERR_CALLBACK_FAILED', async () => {
    assert.equal(await code(session.get('/items', { background: 'nope' as 'summarize' })), 'TF_ERR_UNKNOWN_CALLBACK');
    assert.equal(await code(session.get('/items', { background: 'fails' })), 'TF_ERR_CALLBACK_FAILED');
  });

  test('a result larger than maxResultBytes is TF_ERR_RESULT_TOO_LARGE, a body or callback data alike', async () => {
    assert.equal(await code(session.get('/big')), 'TF_ERR_RESULT_TOO_LARGE');
    assert.equal(await code(session.get(`/items?n=${maxResultBytes + 1}`, { background: 'big' })), 'TF_ERR_RESULT_TOO_LARGE');
    // Without the body, the same response fits.
    assert.equal((await session.get('/big', { keepBody: false })).body.byteLength, 0);
  });

  test('what cannot cross machines is refused with TF_ERR_NOT_SUPPORTED, naming it, and never sent', async () => {
    const before = server.seen.length;
    const refused: [string, PromiseLike<unknown>][] = [
      ['session.stream', session.stream('/items')],
      ['hooks', session.get('/items', { hooks: { note() {} } })],
      ['onProgress', session.get('/items', { onProgress() {} })],
      ['saveTo', session.get('/items', { saveTo: '/tmp/threadfetch-queue-test.bin' })],
      ['streamed', session.post('/items', { body: new ReadableStream({ pull: (c) => c.close() }) })],
    ];
    for (const [what, promise] of refused) {
      const error = await Promise.resolve(promise).then(
        () => assert.fail(`${what}: expected a rejection`),
        (e: unknown) => e as ThreadfetchError,
      );
      assert.equal(error.code, 'TF_ERR_NOT_SUPPORTED', what);
      assert.match(error.message, new RegExp(what.split('.').pop() as string), what);
    }
    const jar = new FuturesSession({ executor: env.executor, cookies: true });
    assert.equal(await code(jar.get(`${server.url}/items`)), 'TF_ERR_NOT_SUPPORTED');
    await jar.close();
    const withSetup = new FuturesSession({ executor: env.executor, setup: new URL('./no-such-setup.js', import.meta.url) });
    assert.equal(await code(withSetup.get(`${server.url}/items`)), 'TF_ERR_NOT_SUPPORTED');
    await withSetup.close();
    assert.equal(server.seen.length, before);
  });

  test('stats count what this producer saw', async () => {
    const stats = session.stats();
    assert.ok(stats.completed >= 3, `completed: ${stats.completed}`);
    assert.ok(stats.failed >= 5, `failed: ${stats.failed}`);
    assert.equal(stats.queued + stats.inflight, 0);
    assert.ok(stats.latency.count >= stats.completed);
  });
});
