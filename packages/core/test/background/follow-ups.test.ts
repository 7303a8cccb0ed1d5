/** ctx.request (follow-up requests made in the worker) and ctx.signal (the request's cancel and deadline, seen by callbacks). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type BackgroundServer, type FixtureSession, withFixtureSession } from './helpers.js';

let server: BackgroundServer;
let session: FixtureSession;
withFixtureSession((s, f) => {
  server = s;
  session = f;
});

describe('ctx.request: follow-ups in the worker', () => {
  it('refuses a spec without a url, or with both json and body, with TF_ERR_INVALID_ARGUMENT', async () => {
    const before = server.seen.length;
    const noUrl = await session.get('/ok', { query: { kind: 'no-url' }, background: 'badFollowUp' });
    assert.match(noUrl.data, /^TF_ERR_INVALID_ARGUMENT: ctx.request: url must be a string or a URL, got none/);
    const both = await session.get('/ok', { query: { kind: 'both' }, background: 'badFollowUp' });
    assert.match(both.data, /^TF_ERR_INVALID_ARGUMENT: ctx.request: pass json or body, not both/);
    assert.equal(server.seen.length, before + 2, 'only the two requests themselves reached the server');
  });

  it('follows pagination without the main thread', async () => {
    const before = server.seen.length;
    const res = await session.get('/pages/1', { background: 'allPages' });
    assert.deepEqual(res.data, { pages: 5, total: 165 });
    assert.deepEqual(
      server.seen.slice(before).map((s) => s.url),
      ['/pages/1', '/pages/2', '/pages/3', '/pages/4', '/pages/5'],
    );
  });

  it('uses the worker’s connection pool: once warm, the follow-ups open no new connection', async () => {
    const warm = server.sockets.length;
    await session.get('/pages/1', { background: 'allPages' });
    const known = new Set(server.sockets.slice(warm).map((s) => s.port));
    const before = server.sockets.length;
    await session.get('/pages/1', { background: 'allPages' });
    const ports = server.sockets.slice(before).map((s) => s.port);
    assert.equal(ports.length, 5);
    assert.ok(
      ports.every((port) => known.has(port)),
      `client ports: ${ports.join(', ')}; the pool's connections: ${[...known].join(', ')}`,
    );
  });

  it('sends the method, headers and JSON body it is given, to a URL relative to the response’s', async () => {
    const before = server.seen.length;
    const res = await session.get('/pages/1', { background: 'postFollowUp' });
    assert.deepEqual(res.data, { status: 200, text: 'ok' });
    const sent = server.seen.slice(before).find((s) => s.url === '/ok?from=callback');
    assert.ok(sent, `follow-ups seen: ${server.seen.slice(before).map((s) => s.url)}`);
    assert.equal(sent.method, 'POST');
    assert.equal(sent.headers['x-follow'], 'yes');
    assert.equal(sent.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(sent.body), { n: 1 });
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
    assert.equal(res.writableFinished, false, 'the follow-up was abandoned, not answered');
  });

  it('the deadline of the request covers its follow-ups', async () => {
    const held = server.held.length;
    const future = session.get('/ok', { background: 'slowFollowUp', timeout: 1_000 });
    await waitFor(() => server.held.length > held, 'the follow-up to reach the server');
    const res = server.held.at(-1);
    assert.ok(res);
    const closed = new Promise((resolve) => res.once('close', resolve));
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_TIMEOUT');
    await closed;
    assert.equal((await session.get('/ok')).status, 200, 'the worker goes on');
  });
});

describe('ctx.signal', () => {
  let tags = 0;
  /** Starts `untilAborted` with a fresh tag and waits until its callback listens to ctx.signal. */
  async function listening(options: { timeout?: number; signal?: AbortSignal } = {}) {
    const tag = `t${++tags}`;
    const future = session.get('/ok', { query: { tag }, background: 'untilAborted', ...options });
    await waitFor(() => server.seen.some((s) => s.url === `/ok?started=${tag}`), 'the callback to listen');
    return { future, tag };
  }
  const saw = (reason: string, tag: string) =>
    waitFor(() => server.seen.some((s) => s.url === `/ok?aborted=${reason}&tag=${tag}`), `the callback to see ${reason}`);

  it('aborts with the cancel', async () => {
    const { future, tag } = await listening();
    assert.equal(future.cancel(), true);
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await saw('AbortedError', tag);
  });

  it('aborts at the deadline, and the future rejects with TF_ERR_TIMEOUT', async () => {
    const { future, tag } = await listening({ timeout: 1_000 });
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_TIMEOUT');
    await saw('TimeoutError', tag);
    assert.equal((await session.get('/ok')).status, 200, 'the worker goes on');
  });

  it('aborts when the request’s AbortSignal does', async () => {
    const controller = new AbortController();
    const { future, tag } = await listening({ signal: controller.signal });
    controller.abort();
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    assert.equal(future.cancelled, true);
    await saw('AbortedError', tag);
  });
});
