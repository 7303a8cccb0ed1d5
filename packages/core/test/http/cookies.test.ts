/** The cookie jar: kept on the main thread, RFC 6265 semantics through tough-cookie, every redirect hop seen. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { CookieJar } from 'tough-cookie';
import { type Origin, rejectsWith, sendJson, startHttp } from './helpers.js';

let origin: Origin;
let other: Origin;

before(async () => {
  // Another host (cookies are kept per host, not per port): 127.0.0.2 is loopback too.
  other = await startHttp((req, res) => sendJson(res, { cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null }), '127.0.0.2');
  origin = await startHttp((req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const echo = () => sendJson(res, { cookie: req.headers.cookie ?? null, method: req.method, body: seen.body.toString() });
    switch (url.pathname) {
      case '/set':
        res.writeHead(200, { 'set-cookie': ['sid=abc; Path=/', 'admin=yes; Path=/admin', 'secure=1; Secure', 'gone=1; Path=/'] }).end();
        return;
      case '/expire':
        res.writeHead(200, { 'set-cookie': 'gone=; Max-Age=0; Path=/' }).end();
        return;
      case '/login':
        res.writeHead(302, { 'set-cookie': 'token=t1; Path=/', location: '/home' }).end();
        return;
      case '/submit':
        res.writeHead(303, { location: '/home' }).end();
        return;
      case '/unauthorized':
        res.writeHead(401, { 'set-cookie': 'challenge=c1; Path=/' }).end('no');
        return;
      case '/away':
        res.writeHead(302, { location: `${other.url}/landing` }).end();
        return;
      case '/loop':
        res
          .writeHead(302, {
            'set-cookie': `n=${Number(url.searchParams.get('n') ?? 0)}; Path=/`,
            location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}`,
          })
          .end();
        return;
      default:
        echo();
    }
  });
});
after(async () => {
  await origin.close();
  await other.close();
});

const cookieOf = async (future: PromiseLike<{ json<T>(): T }>) => (await future).json<{ cookie: string | null }>().cookie;

describe('the session cookie jar', () => {
  it('stores set-cookie and sends cookies by path; Secure ones not over http; expiry removes', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      await session.get('/set');
      assert.equal(await cookieOf(session.get('/public')), 'sid=abc; gone=1');
      assert.equal(await cookieOf(session.get('/admin/panel')), 'admin=yes; sid=abc; gone=1');
      await session.get('/expire');
      assert.equal(await cookieOf(session.get('/public')), 'sid=abc');
      assert.equal(session.cookieJar?.getCookieStringSync(`${origin.url}/`), 'sid=abc');
    } finally {
      await session.close();
    }
  });

  it('sees the set-cookie of an intermediate redirect, and sends it on the next hop', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      const res = await session.get('/login');
      assert.equal(res.status, 200);
      assert.equal(res.url, `${origin.url}/home`);
      assert.equal(res.redirected, true);
      assert.equal(res.json<{ cookie: string }>().cookie, 'token=t1');
    } finally {
      await session.close();
    }
  });

  it('keeps the cookies of a 401 (the seeds: cookies kept on a 401)', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      assert.equal((await session.get('/unauthorized')).status, 401);
      assert.equal(await cookieOf(session.get('/retry')), 'challenge=c1');
    } finally {
      await session.close();
    }
  });

  it('303 after a POST becomes a GET without the body', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      const res = await session.post('/submit', { body: 'payload' });
      assert.deepEqual(res.json(), { cookie: null, method: 'GET', body: '' });
    } finally {
      await session.close();
    }
  });

  it('a redirect to another host sends neither the first host’s cookies nor the credentials', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      await session.get('/set');
      const res = await session.get('/away', { headers: { authorization: 'Bearer secret' } });
      assert.equal(res.url, `${other.url}/landing`);
      assert.deepEqual(res.json(), { cookie: null, authorization: null });
    } finally {
      await session.close();
    }
  });

  it('maxRedirects holds with a jar too, and every hop’s cookie was stored', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1, maxRedirects: 3 });
    try {
      await rejectsWith(session.get('/loop'), 'TF_ERR_TOO_MANY_REDIRECTS');
      assert.equal(session.cookieJar?.getCookieStringSync(`${origin.url}/`), 'n=3');
    } finally {
      await session.close();
    }
  });

  it('takes a jar of yours, and an explicit cookie header is sent instead of the jar’s', async () => {
    const jar = new CookieJar();
    jar.setCookieSync('mine=1; Path=/', `${origin.url}/`);
    const session = new FuturesSession({ baseURL: origin.url, cookies: jar, maxWorkers: 1 });
    try {
      assert.equal(session.cookieJar, jar);
      assert.equal(await cookieOf(session.get('/x')), 'mine=1');
      assert.equal(await cookieOf(session.get('/x', { headers: { cookie: 'explicit=2' } })), 'explicit=2');
      assert.equal(await cookieOf(session.get('/x', { cookies: { extra: '3' } })), 'mine=1; extra=3');
    } finally {
      await session.close();
    }
  });
});

describe('per-request cookies', () => {
  it('are sent without a jar, added to an explicit cookie header', async () => {
    const session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
    try {
      assert.equal(session.cookieJar, undefined);
      assert.equal(await cookieOf(session.get('/x', { cookies: { a: '1', b: '2' } })), 'a=1; b=2');
      assert.equal(await cookieOf(session.get('/x', { cookies: { a: '1' }, headers: { cookie: 'z=0' } })), 'z=0; a=1');
      await session.get('/set');
      assert.equal(await cookieOf(session.get('/x')), null, 'no jar: nothing kept');
    } finally {
      await session.close();
    }
  });

  it('bad names and values are TF_ERR_INVALID_ARGUMENT', async () => {
    const session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
    try {
      await rejectsWith(session.get('/x', { cookies: { 'bad name': '1' } }), 'TF_ERR_INVALID_ARGUMENT', /not a valid cookie name/);
      await rejectsWith(session.get('/x', { cookies: { a: 'x;y' } }), 'TF_ERR_INVALID_ARGUMENT', /semicolons/);
      await rejectsWith(session.get('/x', { cookies: 'a=1' as never }), 'TF_ERR_INVALID_ARGUMENT', /record/);
      assert.throws(() => new FuturesSession({ cookies: 'yes' as never }), /options.cookies must be/);
    } finally {
      await session.close();
    }
  });
});
