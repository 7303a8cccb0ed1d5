import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { FuturesSession, HttpStatusError, ThreadfetchError } from '@threadfetch/core';
import { type Origin, rejectsWith, startHttp } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
let strict: FuturesSession;

/** `/status/<code>?body=...&repeat=n`; `/gz-error` is a gzipped 500; `/moved-to-missing` redirects to a 404. */
before(async () => {
  origin = await startHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/');
    if (parts[1] === 'status') {
      const body = (url.searchParams.get('body') ?? '').repeat(Number(url.searchParams.get('repeat') ?? 1));
      res.writeHead(Number(parts[2]), { 'content-type': 'text/plain; charset=utf-8', location: '/status/200' }).end(body);
    } else if (url.pathname === '/gz-error') {
      res.writeHead(500, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('compressed failure'));
    } else if (url.pathname === '/moved-to-missing') {
      res.writeHead(302, { location: '/status/404?body=gone' }).end();
    } else {
      res.writeHead(200).end('ok');
    }
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
  strict = new FuturesSession({ baseURL: origin.url, executor: session.executor, throwHttpErrors: true });
});

after(async () => {
  await strict.close();
  await session.close();
  await origin.close();
});

describe('throwHttpErrors', () => {
  it('is off by default: 404 and 500 resolve', async () => {
    assert.equal((await session.get('/status/404?body=nope')).status, 404);
    assert.equal((await session.get('/status/500')).status, 500);
  });

  for (const status of [400, 404, 418, 500, 503]) {
    it(`on: ${status} rejects with TF_ERR_HTTP_STATUS carrying status, URL and the body`, async () => {
      const url = `${origin.url}/status/${status}?body=why`;
      const error = await rejectsWith(session.get(url, { throwHttpErrors: true }), 'TF_ERR_HTTP_STATUS', new RegExp(`HTTP ${status}`));
      assert.ok(error instanceof HttpStatusError);
      assert.ok(error instanceof ThreadfetchError);
      assert.equal(error.status, status);
      assert.equal(error.bodyExcerpt, 'why');
      assert.equal(error.request?.url, url);
      assert.ok(error.message.includes(url), error.message);
    });
  }

  it('on: 2xx and 3xx resolve', async () => {
    assert.equal((await strict.get('/status/200')).status, 200);
    assert.equal((await strict.get('/status/204')).status, 204);
    assert.equal((await strict.get('/status/302', { redirect: 'manual' })).status, 302);
    assert.equal((await strict.get('/status/304')).status, 304);
  });

  it('bodyExcerpt holds at most the first 1024 characters', async () => {
    const error = await rejectsWith(strict.get('/status/500?body=abcdefghij&repeat=500'), 'TF_ERR_HTTP_STATUS');
    const excerpt = (error as HttpStatusError).bodyExcerpt;
    assert.equal(excerpt.length, 1024);
    assert.equal(excerpt, 'abcdefghij'.repeat(500).slice(0, 1024));
  });

  it('bodyExcerpt counts characters, not bytes, for multi-byte text', async () => {
    const error = await rejectsWith(strict.get(`/status/422?body=${encodeURIComponent('€')}&repeat=3000`), 'TF_ERR_HTTP_STATUS');
    assert.equal((error as HttpStatusError).bodyExcerpt, '€'.repeat(1024));
  });

  it('bodyExcerpt is decoded text when the error body was compressed', async () => {
    const error = await rejectsWith(strict.get('/gz-error'), 'TF_ERR_HTTP_STATUS');
    assert.equal((error as HttpStatusError).bodyExcerpt, 'compressed failure');
  });

  it('an empty error body gives an empty excerpt', async () => {
    const error = await rejectsWith(strict.get('/status/404'), 'TF_ERR_HTTP_STATUS');
    assert.equal((error as HttpStatusError).bodyExcerpt, '');
  });

  it('after a redirect, the error names the final URL', async () => {
    const error = await rejectsWith(strict.get('/moved-to-missing'), 'TF_ERR_HTTP_STATUS');
    assert.equal((error as HttpStatusError).status, 404);
    assert.equal(error.request?.url, `${origin.url}/status/404?body=gone`);
  });

  it('a session setting applies, and a request may turn it off', async () => {
    await rejectsWith(strict.get('/status/404'), 'TF_ERR_HTTP_STATUS');
    assert.equal((await strict.get('/status/404', { throwHttpErrors: false })).status, 404);
  });

  it('with retries, the status is raised once retries run out', async () => {
    const before = origin.seen.length;
    const error = await rejectsWith(strict.get('/status/503?body=busy', { retry: { limit: 2, delay: 1 } }), 'TF_ERR_HTTP_STATUS');
    assert.equal((error as HttpStatusError).status, 503);
    assert.equal(origin.seen.length - before, 3);
  });

  it('throwHttpErrors must be a boolean', async () => {
    await rejectsWith(session.get('/status/200', { throwHttpErrors: 'yes' as never }), 'TF_ERR_INVALID_ARGUMENT', /throwHttpErrors must be a boolean/);
  });
});
