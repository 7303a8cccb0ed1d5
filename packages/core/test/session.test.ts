import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, TimeoutError } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from './helpers/server.js';

const callbacks = new URL('./fixtures/callbacks.js', import.meta.url);

describe('FuturesSession basics', () => {
  let server: TestServer;
  let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;
  before(async () => {
    server = await startServer({
      '/items': (_req, res) => sendJson(res, { items: [{ price: 2 }, { price: 3 }] }),
      '/stall': () => undefined,
    });
    session = new FuturesSession({ baseURL: server.url, callbacks, maxWorkers: 2 });
  });
  after(async () => {
    await session.close({ force: true });
    await server.close();
  });

  it('runs a background callback in a worker and types res.data', async () => {
    const res = await session.get('/items', { background: 'summarize' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { count: 2, total: 5 });
    const total: number = res.data.total;
    assert.equal(total, 5);
  });

  it('rejects with TimeoutError when the deadline passes', async () => {
    await assert.rejects(session.get('/stall', { timeout: 50 }), (error: unknown) => error instanceof TimeoutError && error.code === 'TF_ERR_TIMEOUT');
  });
});
