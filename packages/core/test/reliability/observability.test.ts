/** diagnostics_channel events, stats(), and NODE_DEBUG logs that never show credentials. */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { channels, FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, childLimitMs, crashy, outcome, type ReliabilityServer, runChild, startOffThreadServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
let session: FuturesSession<Crashy>;
before(async () => {
  server = await startReliabilityServer();
  session = new FuturesSession<Crashy>({ baseURL: server.url, maxWorkers: 1, callbacks: crashy });
});
after(async () => {
  await session.close({ force: true });
  await server.close();
});

interface Message {
  id: number;
  request: { method: string; url: string };
  status?: number;
  at?: number;
  error?: ThreadfetchError;
}
interface Event {
  readonly name: string;
  readonly message: Message;
}

/** Subscribes to every threadfetch channel and records what is published, in order. */
function record(): { events: Event[]; of(urlPart: string): Event[]; stop(): void } {
  const events: Event[] = [];
  const subscriptions = Object.entries(channels).map(([name, channel]) => {
    const fn = (message: unknown) => events.push({ name, message: message as Message });
    diagnosticsChannel.subscribe(channel, fn);
    return () => diagnosticsChannel.unsubscribe(channel, fn);
  });
  return {
    events,
    of: (urlPart) => events.filter((e) => e.message.request.url.includes(urlPart)),
    stop() {
      for (const off of subscriptions) off();
    },
  };
}

const allowedKeys = new Set(['id', 'request', 'status', 'at', 'error']);

describe('diagnostics_channel', () => {
  it('the channels are named threadfetch:request:* and threadfetch:worker:*', () => {
    assert.deepEqual(
      { ...channels },
      {
        create: 'threadfetch:request:create',
        start: 'threadfetch:request:start',
        headers: 'threadfetch:request:headers',
        end: 'threadfetch:request:end',
        error: 'threadfetch:request:error',
        workerTerminate: 'threadfetch:worker:terminate',
      },
    );
  });

  it('create, start, headers and end, in order, for a request; { id, request: { method, url } } and never headers or body', async () => {
    const rec = record();
    try {
      const res = await session.post('/ok?d=1', {
        headers: { authorization: 'Bearer header-secret', 'x-custom': 'custom-secret' },
        json: { password: 'body-secret' },
      });
      assert.equal(res.status, 200);
    } finally {
      rec.stop();
    }
    const mine = rec.of('/ok?d=1');
    assert.deepEqual(
      mine.map((e) => e.name),
      ['create', 'start', 'headers', 'end'],
    );
    assert.equal(new Set(mine.map((e) => e.message.id)).size, 1, 'one id throughout');
    for (const { message } of mine) {
      assert.deepEqual(message.request, { method: 'POST', url: `${server.url}/ok?d=1` });
      assert.deepEqual(Object.keys(message.request).sort(), ['method', 'url']);
      for (const key of Object.keys(message)) assert.ok(allowedKeys.has(key), `unexpected key ${key}`);
    }
    assert.equal(mine[2]?.message.status, 200);
    assert.equal(mine[3]?.message.status, 200);
    assert.ok((mine[2]?.message.at ?? 0) >= (mine[1]?.message.at ?? Number.POSITIVE_INFINITY), 'headers after start');
    const text = JSON.stringify(mine.map((e) => e.message));
    for (const secret of ['header-secret', 'custom-secret', 'body-secret']) assert.ok(!text.includes(secret), `${secret} in a message`);
  });

  it('error events for a failure, a cancel in flight, a cancel in the queue, a deadline and a worker crash, each with its coded error', async () => {
    const rec = record();
    const s = new FuturesSession<Crashy>({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1, callbacks: crashy });
    try {
      await outcome(s.get('http://127.0.0.1:1/?e=refused'));
      const inFlight = s.get('/hold?e=cancel-in-flight');
      const queued = s.get('/ok?e=cancel-queued');
      await waitFor(() => server.held.length === 1, 'the request to reach the server');
      queued.cancel();
      inFlight.cancel();
      await Promise.all([outcome(inFlight), outcome(queued)]);
      await outcome(s.get('/hold?e=deadline', { timeout: 50 }));
      await outcome(s.get('/ok?e=crash', { background: 'exits' }));
    } finally {
      rec.stop();
      server.releaseAll();
      await s.close({ force: true });
    }
    const sequence = (part: string) => rec.of(part).map((e) => (e.name === 'error' ? `error ${e.message.error?.code}` : e.name));
    assert.deepEqual(sequence('e=refused'), ['create', 'start', 'error TF_ERR_CONNECTION_REFUSED']);
    assert.deepEqual(sequence('e=cancel-in-flight'), ['create', 'start', 'error TF_ERR_ABORTED']);
    assert.deepEqual(sequence('e=cancel-queued'), ['create', 'error TF_ERR_ABORTED'], 'never started');
    assert.deepEqual(sequence('e=deadline'), ['create', 'start', 'error TF_ERR_TIMEOUT']);
    assert.deepEqual(sequence('e=crash'), ['create', 'start', 'error TF_ERR_WORKER_CRASHED']);
    for (const { message } of rec.events) for (const key of Object.keys(message)) assert.ok(allowedKeys.has(key), `unexpected key ${key}`);
  });

  it('a request cancelled while its response is on its way back: one error event and no headers after it; counted once in stats()', async () => {
    const offThread = await startOffThreadServer();
    const s = new FuturesSession<Crashy>({ maxWorkers: 1, callbacks: crashy });
    const marker = join(tmpdir(), `threadfetch-marker-${process.pid}-${Date.now()}`);
    const rec = record();
    try {
      await s.get(`${offThread.url}/warm`, { background: 'threadId' });
      const future = s.get(`${offThread.url}/race?marker=${encodeURIComponent(marker)}`, { background: 'markAfterReturn' });
      await new Promise((resolve) => setImmediate(resolve));
      // The server runs in its own thread, so the main thread can block here while the worker answers:
      // the marker appears once the worker has posted the result, which then waits unread.
      const deadline = Date.now() + 10_000;
      while (!existsSync(marker) && Date.now() < deadline);
      assert.ok(existsSync(marker), 'the worker answered');
      assert.equal(future.cancel(), true, 'not read yet, so the cancel takes effect');
      await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
      await waitFor(() => s.stats().inflight === 0, 'the result to be read');
      const stats = s.stats();
      assert.deepEqual(
        rec.of('/race').map((e) => e.name),
        ['create', 'start', 'error'],
      );
      assert.deepEqual({ completed: stats.completed, cancelled: stats.cancelled, failed: stats.failed }, { completed: 1, cancelled: 1, failed: 0 });
    } finally {
      rec.stop();
      rmSync(marker, { force: true });
      await s.close({ force: true });
      await offThread.close();
    }
  });
});

describe('stats()', () => {
  it('counts queued, in flight, completed, failed and cancelled, with latency percentiles', async () => {
    const s = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 2 });
    try {
      const fresh = s.stats();
      assert.deepEqual(
        { ...fresh, workers: [], latency: fresh.latency.count },
        {
          queued: 0,
          inflight: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
          timedOut: 0,
          crashRetried: 0,
          workerCrashes: 0,
          workersTerminated: 0,
          workers: [],
          latency: 0,
          pending: 0,
        },
      );
      await s.get('/ok');
      const a = s.get('/hold?s=a');
      const b = s.get('/hold?s=b');
      const c = s.get('/ok?s=c');
      await waitFor(() => server.held.length === 2, 'two requests held');
      const busy = s.stats();
      assert.equal(busy.inflight, 2);
      assert.equal(busy.queued, 1);
      assert.equal(busy.pending, 3);
      assert.deepEqual(
        busy.workers.map((w) => w.inflight),
        [2],
      );
      a.cancel();
      server.releaseAll();
      await Promise.allSettled([a, b, c]);
      await outcome(s.get('http://127.0.0.1:1/refused'));
      const done = s.stats();
      assert.equal(done.completed, 3, 'the warm-up, b and c');
      assert.equal(done.cancelled, 1);
      assert.equal(done.failed, 1);
      assert.equal(done.inflight + done.queued + done.pending, 0);
      assert.deepEqual(
        done.workers.map((w) => w.inflight),
        [0],
      );
      assert.equal(done.latency.count, 5, 'every result that came back from a worker');
      assert.ok(done.latency.p50 > 0 && done.latency.p50 <= done.latency.p90);
      assert.ok(done.latency.p90 <= done.latency.p99 && done.latency.p99 <= done.latency.max);
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });

  it('workers: one entry per thread, with that thread’s own in-flight count', async () => {
    const s = new FuturesSession<Crashy>({ baseURL: server.url, maxWorkers: 2, callbacks: crashy });
    try {
      await waitFor(() => s.stats().workers.length === 2, 'both workers up');
      const holds = Array.from({ length: 3 }, (_, i) => s.get(`/hold?w=${i}`, { background: 'threadId' }));
      await waitFor(() => server.held.length === 3, 'three requests held');
      const load = s.stats().workers;
      assert.equal(load.length, 2);
      assert.equal(new Set(load.map((w) => w.threadId)).size, 2);
      assert.deepEqual(load.map((w) => w.inflight).sort(), [1, 2]);
      server.releaseAll();
      const ran = (await Promise.all(holds)).map((res) => res.data);
      for (const { threadId, inflight } of load) assert.equal(ran.filter((t) => t === threadId).length, inflight, `thread ${threadId}`);
      assert.deepEqual(
        s.stats().workers.map((w) => w.inflight),
        [0, 0],
      );
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });

  it('counts worker crashes and crash retries', async () => {
    const s = new FuturesSession<Crashy>({ baseURL: server.url, maxWorkers: 1, callbacks: crashy, crashRetries: 1 });
    try {
      await s.get('/ok');
      const lost = s.get('/hold?c=resent');
      await waitFor(() => server.held.length === 1, 'the request to reach the server');
      await outcome(s.post('/ok?c=crash', { background: 'exits' }));
      // The second arrival is the GET sent again (checking for one live held request instead could see
      // the first one before the server noticed its socket close, and release it before the resend came).
      await waitFor(() => server.held.length === 2, 'the GET sent again');
      server.releaseAll();
      assert.equal((await lost).status, 200);
      const stats = s.stats();
      assert.equal(stats.workerCrashes, 1);
      assert.equal(stats.crashRetried, 1);
      assert.equal(stats.completed, 2);
      assert.equal(stats.failed, 1, 'the crashing POST');
    } finally {
      server.releaseAll();
      await s.close({ force: true });
    }
  });
});

describe('NODE_DEBUG=threadfetch', () => {
  const secrets = ['url-pass-111', 'header-token-222', 'header-cookie-333', 'api-key-444', 'auth-pass-555', 'option-cookie-666', 'proxy-cred-777'];
  let stderr = '';
  before(async () => {
    const child = await runChild('debug-child.js', [server.url], { env: { ...process.env, NODE_DEBUG: 'threadfetch' } });
    assert.equal(child.killed, false, `the child did not exit within ${childLimitMs} ms`);
    assert.equal(child.code, 0, child.stderr);
    stderr = child.stderr;
  });
  /** Request ids the main thread logged, and the worker lines: [thread id, request id]. */
  const mainIds = () => [...stderr.matchAll(/^THREADFETCH \d+: request (\d+) GET /gm)].map((m) => Number(m[1]));
  const workerLines = () => [...stderr.matchAll(/^THREADFETCH \d+: thread (\d+): request (\d+) GET /gm)].map((m) => [Number(m[1]), Number(m[2])] as const);

  it('logs each request on the main thread and in its worker, with the thread id and the request id', () => {
    const ids = mainIds();
    assert.equal(ids.length, 7, stderr);
    const ready = new Set([...stderr.matchAll(/^THREADFETCH \d+: worker (\d+) ready$/gm)].map((m) => Number(m[1])));
    assert.equal(ready.size, 2, 'both workers say they are up');
    const worker = workerLines();
    // The lines a worker writes just before close() may be lost when the pool ends it (the todo below);
    // every request before the last one has been answered, so its worker lines were written long before.
    for (const id of ids.slice(0, -1)) {
      const line = worker.find(([, request]) => request === id);
      assert.ok(line, `no worker line for request ${id}:\n${stderr}`);
      assert.ok(ready.has(line[0]), `request ${id} logged by thread ${line[0]}, which is one of the workers`);
    }
    assert.equal(new Set(worker.map(([thread]) => thread)).size, 2, 'requests on both workers');
    assert.match(stderr, /thread \d+: request \d+ done 200/);
    assert.match(stderr, /thread \d+: request \d+ failed TF_ERR_CONNECTION_REFUSED/);
  });

  it('never shows credentials: URL password, authorization, cookie, API key, auth and cookies options', () => {
    for (const secret of secrets) assert.ok(!stderr.includes(secret), `${secret} leaked into the log:\n${stderr}`);
    assert.ok(!stderr.includes('alice'), 'nor the URL user name');
    assert.match(stderr, /\[redacted\]/);
    assert.match(stderr, /authorization: '\[redacted\]'/);
    assert.match(stderr, /cookie: '\[redacted\]'/);
    assert.match(stderr, /visible-trace/, 'other headers are shown');
  });

  it('main-thread lines carry the thread id too', () => {
    for (const line of stderr.split('\n').filter((l) => /request \d+/.test(l))) assert.match(line, /thread \d+/, line);
  });

  it('a worker’s lines for requests finished before close() all reach stderr', async () => {
    // The loss is frequent (a third to a half of runs here), not certain: six runs at once.
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => runChild('debug-child.js', [server.url, 'refused-last'], { env: { ...process.env, NODE_DEBUG: 'threadfetch' } })),
    );
    for (const child of runs) {
      const last = /^THREADFETCH \d+: request (\d+) GET .*log=last/m.exec(child.stderr)?.[1];
      assert.match(child.stderr, new RegExp(`thread \\d+: request ${last} failed TF_ERR_CONNECTION_REFUSED`), child.stderr);
    }
  });
});
