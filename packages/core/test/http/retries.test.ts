import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FuturesSession, type RetryOptions } from '@threadfetch/core';
import { type Origin, rejectsWith, startHttp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
let nextKey = 0;

/**
 * `/flaky/<key>?fail=n&status=s&after=secs` answers `s` (503) the first n times for that key, then 200;
 * `/reset/<key>?fail=n` destroys the socket the first n times.
 */
before(async () => {
  const counts = new Map<string, number>();
  origin = await startHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const count = (counts.get(url.pathname) ?? 0) + 1;
    counts.set(url.pathname, count);
    const failing = count <= Number(url.searchParams.get('fail') ?? 0);
    if (url.pathname.startsWith('/reset/') && failing) {
      req.socket.destroy();
      return;
    }
    if (failing) {
      const after = url.searchParams.get('after');
      res.writeHead(Number(url.searchParams.get('status') ?? 503), after === null ? {} : { 'retry-after': after }).end('try again');
      return;
    }
    res.writeHead(200).end(`ok after ${count}`);
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await origin.close();
});

/** Resolves once `condition` holds, checking every 10 ms (the test's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

/** A fresh path and a function counting the requests the server saw for it. */
function fresh(kind: 'flaky' | 'reset', query = ''): { path: string; hits: () => number } {
  nextKey += 1;
  const pathname = `/${kind}/${nextKey}`;
  return { path: `${pathname}${query}`, hits: () => origin.seen.filter((s) => s.url.split('?')[0] === pathname).length };
}

describe('retries on status', () => {
  it('503 twice then 200: retried, resolves 200 after 3 requests', async () => {
    const { path, hits } = fresh('flaky', '?fail=2');
    const res = await session.get(path, { retry: { limit: 3, delay: 10 } });
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'ok after 3');
    assert.equal(hits(), 3);
  });

  it('without retry, a 503 resolves after 1 request', async () => {
    const { path, hits } = fresh('flaky', '?fail=2');
    assert.equal((await session.get(path)).status, 503);
    assert.equal(hits(), 1);
  });

  it('retry: n is a number of retries; when they run out the last response resolves', async () => {
    const { path, hits } = fresh('flaky', '?fail=10');
    const res = await session.get(path, { retry: { limit: 2, delay: 1 } });
    assert.equal(res.status, 503);
    assert.equal(res.text(), 'try again');
    assert.equal(hits(), 3);
    const short = fresh('flaky', '?fail=1');
    assert.equal((await session.get(short.path, { retry: 1 })).status, 200);
    assert.equal(short.hits(), 2);
  });

  it('POST is not retried by default, but is when methods includes it (with its body each time)', async () => {
    const plain = fresh('flaky', '?fail=1');
    assert.equal((await session.post(plain.path, { body: 'data', retry: { limit: 3, delay: 1 } })).status, 503);
    assert.equal(plain.hits(), 1);
    const opted = fresh('flaky', '?fail=1');
    assert.equal((await session.post(opted.path, { body: 'data', retry: { limit: 3, delay: 1, methods: ['post'] } })).status, 200);
    assert.equal(opted.hits(), 2);
    assert.deepEqual(
      origin.seen.filter((s) => s.url.startsWith(opted.path.split('?')[0] ?? '')).map((s) => s.body.toString()),
      ['data', 'data'],
    );
  });

  it('statusCodes chooses which statuses are retried', async () => {
    const notFound = fresh('flaky', '?fail=1&status=404');
    assert.equal((await session.get(notFound.path, { retry: { limit: 2, delay: 1 } })).status, 404);
    assert.equal(notFound.hits(), 1);
    const chosen = fresh('flaky', '?fail=1&status=404');
    assert.equal((await session.get(chosen.path, { retry: { limit: 2, delay: 1, statusCodes: [404] } })).status, 200);
    assert.equal(chosen.hits(), 2);
  });

  it('a session retry policy applies; retry: 0 on a request turns it off', async () => {
    const retrying = new FuturesSession({ baseURL: origin.url, executor: session.executor, retry: { limit: 3, delay: 1 } });
    try {
      const a = fresh('flaky', '?fail=1');
      assert.equal((await retrying.get(a.path)).status, 200);
      assert.equal(a.hits(), 2);
      const b = fresh('flaky', '?fail=1');
      assert.equal((await retrying.get(b.path, { retry: 0 })).status, 503);
      assert.equal(b.hits(), 1);
    } finally {
      await retrying.close();
    }
  });
});

describe('retries: Retry-After', () => {
  // No timing assertions: a long backoff that the header replaces would run into the request timeout.
  for (const status of [503, 429]) {
    it(`Retry-After: 1 on a ${status} is honoured over a 60 s backoff`, async () => {
      const { path, hits } = fresh('flaky', `?fail=1&status=${status}&after=1`);
      const res = await session.get(path, { retry: { limit: 1, delay: 60_000, maxDelay: 60_000 }, timeout: 10_000 });
      assert.equal(res.status, 200);
      assert.equal(hits(), 2);
    });
  }

  it('a Retry-After on another retried status (500) is not read: the backoff applies', async () => {
    const { path, hits } = fresh('flaky', '?fail=1&status=500&after=600');
    const res = await session.get(path, { retry: { limit: 1, delay: 1 }, timeout: 5_000 });
    assert.equal(res.status, 200);
    assert.equal(hits(), 2);
  });

  it('a Retry-After beyond maxDelay is not retried early: the 503 resolves as it is, after 1 request', async () => {
    const { path, hits } = fresh('flaky', '?fail=1&after=600');
    const res = await session.get(path, { retry: { limit: 1, delay: 1, maxDelay: 50 }, timeout: 5_000 });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '600');
    assert.equal(hits(), 1);
  });

  it('retryAfter: false ignores the header and keeps the backoff', async () => {
    const { path, hits } = fresh('flaky', '?fail=1&after=30');
    const res = await session.get(path, { retry: { limit: 1, delay: 1, retryAfter: false }, timeout: 3_000 });
    assert.equal(res.status, 200);
    assert.equal(hits(), 2);
  });
});

describe('retries: an abort during the backoff', () => {
  // After a 503 (undici holds its response while the policy waits) and after a reset connection (no
  // request is open while it waits).
  for (const kind of ['flaky', 'reset'] as const) {
    it(`cancel() during a 60 s backoff (${kind}): rejects, the worker lets the request go (not replaced), nothing more is sent`, {
      timeout: 30_000,
    }, async () => {
      const { path, hits } = fresh(kind, '?fail=10');
      const threadIds = () => session.executor.stats().workers.map((w) => w.threadId);
      const workers = threadIds();
      const future = session.get(path, { retry: { limit: 3, delay: 60_000, maxDelay: 60_000 }, timeout: 120_000 });
      await until(() => hits() === 1);
      future.cancel();
      await rejectsWith(future, 'TF_ERR_ABORTED');
      // Bounded by the test's timeout, well under the backoff.
      await until(() => session.executor.stats().inflight === 0);
      assert.deepEqual(threadIds(), workers, 'the worker freed the request itself');
      assert.equal(hits(), 1);
    });

    it(`a deadline during the backoff (${kind}): TF_ERR_TIMEOUT, and no retry is sent after it`, { timeout: 30_000 }, async () => {
      const { path, hits } = fresh(kind, '?fail=10');
      await rejectsWith(session.get(path, { retry: { limit: 3, delay: 400, maxDelay: 400 }, timeout: 150 }), 'TF_ERR_TIMEOUT');
      await until(() => session.executor.stats().inflight === 0);
      // Well past the 400 ms the backoff would have waited: a retry it sent would have arrived.
      await sleep(1_500);
      assert.equal(hits(), 1);
    });
  }
});

describe('retries on connection errors', () => {
  it('a reset connection rejects with TF_ERR_CONNECTION_RESET without retry', async () => {
    const { path, hits } = fresh('reset', '?fail=1');
    await rejectsWith(session.get(path), 'TF_ERR_CONNECTION_RESET');
    assert.equal(hits(), 1);
  });

  it('a reset connection is retried with retry, and the retry succeeds', async () => {
    const { path, hits } = fresh('reset', '?fail=1');
    const res = await session.get(path, { retry: { limit: 2, delay: 10 } });
    assert.equal(res.status, 200);
    assert.equal(hits(), 2);
  });

  it('errorCodes chooses which errors are retried', async () => {
    const { path, hits } = fresh('reset', '?fail=1');
    await rejectsWith(session.get(path, { retry: { limit: 2, delay: 1, errorCodes: ['ECONNREFUSED'] } }), 'TF_ERR_CONNECTION_RESET');
    assert.equal(hits(), 1);
  });
});

describe('retries: bad policies', () => {
  const bad: [string, unknown, RegExp][] = [
    ['a negative limit', { limit: -1 }, /retry\.limit must be an integer >= 0/],
    ['a fractional delay', { delay: 1.5 }, /retry\.delay must be an integer >= 0/],
    ['a factor below 1', { factor: 0.5 }, /retry\.factor must be a number >= 1/],
    ['methods not an array', { methods: 'GET' }, /retry\.methods must be an array of strings/],
    ['status codes as strings', { statusCodes: ['503'] }, /retry\.statusCodes must be an array of status codes/],
    ['an unknown key', { attempts: 3 }, /unknown option retry\.attempts/],
    ['a string', 'always', /retry must be a number of retries or an object/],
    ['a negative number', -2, /retry\.limit must be an integer >= 0/],
  ];
  for (const [what, retry, message] of bad) {
    it(`${what} rejects with TF_ERR_INVALID_ARGUMENT`, async () => {
      await rejectsWith(session.get('/flaky/never', { retry: retry as RetryOptions }), 'TF_ERR_INVALID_ARGUMENT', message);
    });
  }
});
