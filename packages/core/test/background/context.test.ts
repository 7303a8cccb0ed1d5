/** What a callback gets beside the response: hooks to the main thread, follow-up requests, its signal; and streaming callbacks. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type BackgroundServer, fixtures, pattern, sha256Of, startBackgroundServer } from './helpers.js';

let server: BackgroundServer;
let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;

before(async () => {
  server = await startBackgroundServer();
  session = new FuturesSession<typeof import('./fixtures/callbacks.js')>({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
});
after(async () => {
  await session.close({ force: true });
  await server.close();
});

describe('streaming callbacks', () => {
  it('hash a body as it arrives, without maxResponseSize applying', async () => {
    const size = 6_000_000;
    const res = await session.get('/download', { query: { size }, background: 'sha256', maxResponseSize: 1_000 });
    assert.deepEqual(res.data, { status: 200, sha256: sha256Of(pattern(0, size)), bytes: size });
    assert.equal(res.body.byteLength, 0);
  });

  it('a callback that stops reading early discards the rest; the worker goes on', async () => {
    const res = await session.get('/download', { query: { size: 20_000_000 }, background: 'firstChunk' });
    assert.ok(res.data > 0);
    assert.equal((await session.get('/ok')).status, 200);
  });
});

describe('ctx.hooks', () => {
  it('runs the caller’s functions on the main thread, with arguments and results cloned', async () => {
    const seen: unknown[] = [];
    const res = await session.get('/ok', {
      background: 'notes',
      hooks: {
        note: (x: unknown) => {
          seen.push(x);
          return seen.length;
        },
      },
    });
    assert.deepEqual(seen, ['status 200', { bytes: 2 }]);
    assert.deepEqual(res.data, [1, 2]);
  });

  it('a hook that throws rejects the call in the worker, where the callback can catch it', async () => {
    const res = await session.get('/ok', {
      background: 'hookFails',
      hooks: {
        boom: () => {
          throw new Error('no disk');
        },
      },
    });
    assert.equal(res.data, 'caught: no disk');
  });

  it('many requests with hooks: every channel is released and the session closes cleanly', async () => {
    const futures = Array.from({ length: 50 }, () => session.get('/ok', { background: 'notes', hooks: { note: () => 'x' } }));
    for (const res of await Promise.all(futures)) assert.deepEqual(res.data, ['x', 'x']);
  });

  it('hooks must be a record of functions: TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.get('/ok', { hooks: { note: 'not a function' } as never }), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });
});

describe('ctx.request: follow-ups in the worker', () => {
  it('follows pagination without the main thread', async () => {
    const before = server.seen.length;
    const res = await session.get('/pages/1', { background: 'allPages' });
    assert.deepEqual(res.data, { pages: 5, total: 165 });
    assert.deepEqual(
      server.seen.slice(before).map((s) => s.url),
      ['/pages/1', '/pages/2', '/pages/3', '/pages/4', '/pages/5'],
    );
  });

  it('a follow-up that fails fails the request with the follow-up’s coded error', async () => {
    await assert.rejects(session.get('/ok', { background: 'refusedFollowUp' }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.equal((e.cause as ThreadfetchError).code, 'TF_ERR_CONNECTION_REFUSED');
      return true;
    });
  });

  it('cancelling the future aborts its follow-up request', async () => {
    const held = server.held.length;
    const future = session.get('/ok', { background: 'slowFollowUp' });
    await waitFor(() => server.held.length > held, 'the follow-up to reach the server');
    const res = server.held.at(-1);
    assert.ok(res);
    const closed = new Promise((resolve) => res.once('close', resolve));
    assert.equal(future.cancel(), true);
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await closed;
  });
});

describe('ctx.signal', () => {
  it('aborts with the cancel', async () => {
    const future = session.get('/ok', { background: 'untilAborted' });
    await waitFor(() => future.running, 'the request to start');
    await new Promise((resolve) => setTimeout(resolve, 50));
    future.cancel();
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await waitFor(() => server.seen.some((s) => s.url === '/ok?aborted=AbortedError'), 'the callback to see the abort');
  });

  it('aborts at the deadline, and the future rejects with TF_ERR_TIMEOUT', async () => {
    await assert.rejects(session.get('/ok', { background: 'untilAborted', timeout: 150 }), (e: ThreadfetchError) => e.code === 'TF_ERR_TIMEOUT');
    await waitFor(() => server.seen.some((s) => s.url === '/ok?aborted=TimeoutError'), 'the callback to see the deadline');
    assert.equal((await session.get('/ok')).status, 200, 'the worker goes on');
  });
});
