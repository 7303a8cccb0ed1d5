/** diagnostics_channel events, stats(), and NODE_DEBUG logs that never show credentials. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { channels, FuturesSession } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
let session: FuturesSession;
before(async () => {
  server = await startReliabilityServer();
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});
after(async () => {
  await session.close({ force: true });
  await server.close();
});

interface Event {
  readonly name: string;
  readonly message: { id: number; request: { method: string; url: string }; status?: number; at?: number; error?: { code: string } };
}

function record(): { events: Event[]; stop(): void } {
  const events: Event[] = [];
  const subscriptions = Object.entries(channels).map(([name, channel]) => {
    const fn = (message: unknown) => events.push({ name, message: message as Event['message'] });
    diagnosticsChannel.subscribe(channel, fn);
    return () => diagnosticsChannel.unsubscribe(channel, fn);
  });
  return {
    events,
    stop() {
      for (const off of subscriptions) off();
    },
  };
}

describe('diagnostics_channel', () => {
  it('create, start, headers and end, in order, for a request; method and URL only', async () => {
    const { events, stop } = record();
    try {
      const res = await session.get('/ok?d=1', { headers: { authorization: 'Bearer secret' } });
      assert.equal(res.status, 200);
    } finally {
      stop();
    }
    const mine = events.filter((e) => e.message.request.url.endsWith('/ok?d=1'));
    assert.deepEqual(
      mine.map((e) => e.name),
      ['create', 'start', 'headers', 'end'],
    );
    assert.equal(new Set(mine.map((e) => e.message.id)).size, 1, 'one id throughout');
    assert.equal(mine[2]?.message.status, 200);
    assert.ok((mine[2]?.message.at ?? 0) >= (mine[1]?.message.at ?? Number.POSITIVE_INFINITY), 'headers after start');
    assert.ok(!JSON.stringify(mine.map((e) => e.message)).includes('secret'), 'no headers in messages');
  });

  it('error events for a failure and a cancel, with the coded error', async () => {
    const { events, stop } = record();
    try {
      await session.get('http://127.0.0.1:1/refused').then(
        () => undefined,
        () => undefined,
      );
      const held = server.held.length;
      const cancelled = session.get('/hold?d=2');
      await waitFor(() => server.held.length > held, 'the request to reach the server');
      cancelled.cancel();
      await cancelled.then(
        () => undefined,
        () => undefined,
      );
    } finally {
      stop();
    }
    const errors = events.filter((e) => e.name === 'error').map((e) => e.message.error?.code);
    assert.deepEqual(errors, ['TF_ERR_CONNECTION_REFUSED', 'TF_ERR_ABORTED']);
  });
});

describe('stats()', () => {
  it('counts queued, in flight, completed, failed and cancelled, with per-worker load and latency', async () => {
    const s = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 2 });
    try {
      await s.get('/ok');
      const held = server.held.length;
      const a = s.get('/hold?s=a');
      const b = s.get('/hold?s=b');
      const c = s.get('/ok?s=c');
      await waitFor(() => server.held.length >= held + 2, 'two requests held');
      const busy = s.stats();
      assert.equal(busy.inflight, 2);
      assert.equal(busy.queued, 1);
      assert.equal(busy.pending, 3);
      assert.deepEqual(
        busy.workers.map((w) => w.inflight),
        [2],
      );
      a.cancel();
      server.held.at(-1)?.writeHead(200).end();
      await Promise.allSettled([a, b, c]);
      await s.get('http://127.0.0.1:1/refused').then(
        () => undefined,
        () => undefined,
      );
      const done = s.stats();
      assert.equal(done.completed, 3, 'the warm-up, b and c');
      assert.equal(done.cancelled, 1);
      assert.equal(done.failed, 1);
      assert.equal(done.inflight + done.queued + done.pending, 0);
      assert.equal(done.latency.count, 5);
      assert.ok(done.latency.p50 > 0 && done.latency.p50 <= done.latency.p99 && done.latency.p99 <= done.latency.max);
    } finally {
      await s.close({ force: true });
    }
  });
});

describe('NODE_DEBUG=threadfetch', () => {
  it('logs both threads with request ids, and never the credentials', async () => {
    const script = `
      import { FuturesSession } from '@threadfetch/core';
      const s = new FuturesSession({ maxWorkers: 1 });
      const url = new URL(${JSON.stringify(`${server.url}/ok?log=1`)});
      url.username = 'alice'; url.password = 'hunter2';
      await s.get(url, { headers: { authorization: 'Bearer tok-123', cookie: 'sid=cookie-456', 'x-trace': 'visible' } });
      await s.close();`;
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_DEBUG: 'threadfetch' },
      cwd: new URL('.', import.meta.url).pathname,
      timeout: 20_000,
    });
    assert.match(stderr, /THREADFETCH \d+: request \d+ GET /, 'the main thread logs');
    assert.match(stderr, /thread \d+: request \d+ GET /, 'the worker logs, with its thread id');
    assert.match(stderr, /\[redacted\]/);
    assert.match(stderr, /visible/, 'other headers are shown');
    for (const secret of ['tok-123', 'cookie-456', 'hunter2']) assert.ok(!stderr.includes(secret), `${secret} leaked into the log`);
  });
});
