/** The cookie jar: kept on the main thread, RFC 6265 semantics through tough-cookie, every redirect hop seen. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { FuturesSession } from '@threadfetch/core';
import { CookieJar, MemoryCookieStore } from 'tough-cookie';
import { selfSigned } from './certs.js';
import { type Origin, rejectsWith, sendJson, startHttp, startHttps } from './helpers.js';

let origin: Origin;
let other: Origin;
/** https on 127.0.0.1 too: cookies are kept per host, not per scheme or port, unless Secure. */
let secure: Origin;
const pair = selfSigned();

before(async () => {
  secure = await startHttps((req, res) => {
    if (req.url === '/set') res.writeHead(200, { 'set-cookie': ['sec=1; Secure; Path=/', 'plain=1; Path=/'] }).end();
    else sendJson(res, { cookie: req.headers.cookie ?? null });
  }, pair);
  // Another host (cookies are kept per host, not per port): 127.0.0.2 is loopback too.
  other = await startHttp((req, res) => sendJson(res, { cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null }), '127.0.0.2');
  origin = await startHttp((req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const echo = () => sendJson(res, { cookie: req.headers.cookie ?? null, method: req.method, body: seen.body.toString() });
    switch (url.pathname) {
      case '/set':
        res.writeHead(200, { 'set-cookie': ['sid=abc; Path=/', 'admin=yes; Path=/admin', 'gone=1; Path=/'] }).end();
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
      case '/found':
      case '/temporary':
        res.writeHead(url.pathname === '/found' ? 302 : 307, { 'set-cookie': `hop=${url.pathname.slice(1)}; Path=/`, location: '/home' }).end();
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
  await secure.close();
});

/** Resolves once `condition` holds, checking every turn of the event loop (the test's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await tick();
}

/**
 * A jar whose store answers asynchronously, as one backed by a database would; lookups wait for
 * `open()` while the gate is shut.
 */
function asyncJar(): { jar: CookieJar; lookups: () => number; shut(): void; open(): void } {
  const store = new MemoryCookieStore();
  store.synchronous = false;
  const find = store.findCookies.bind(store) as (...args: unknown[]) => unknown;
  let lookups = 0;
  let gate = Promise.resolve();
  let open: () => void = () => undefined;
  (store as unknown as { findCookies: (...args: unknown[]) => unknown }).findCookies = (...args) => {
    lookups++;
    return gate.then(() => find(...args));
  };
  return {
    jar: new CookieJar(store),
    lookups: () => lookups,
    shut() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    open: () => open(),
  };
}

const cookieOf = async (future: PromiseLike<{ json<T>(): T }>) => (await future).json<{ cookie: string | null }>().cookie;

describe('the session cookie jar', () => {
  it('stores set-cookie and sends cookies by path; expiry removes', async () => {
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

  it('Secure cookies go over https; over plain http only to loopback hosts unless the jar says allowSecureOnLocal: false', async () => {
    const strict = new CookieJar(undefined, { allowSecureOnLocal: false });
    for (const [cookies, overHttp] of [
      [true, 'sec=1; plain=1'], // tough-cookie 6, as browsers: loopback is a secure context
      [strict, 'plain=1'],
    ] as const) {
      const session = new FuturesSession({ cookies, tls: { ca: pair.cert }, maxWorkers: 1 });
      try {
        await session.get(`${secure.url}/set`);
        assert.equal(await cookieOf(session.get(`${secure.url}/echo`)), 'sec=1; plain=1');
        assert.equal(await cookieOf(session.get(`${origin.url}/echo`)), overHttp);
      } finally {
        await session.close();
      }
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

  it('a request’s own cookies go to its own origin only: kept on a same-origin hop, dropped on another origin', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      assert.equal(await cookieOf(session.get('/login', { cookies: { mine: '1' } })), 'token=t1; mine=1');
      const away = await session.get('/away', { cookies: { mine: '1' } });
      assert.equal(away.url, `${other.url}/landing`);
      assert.equal(away.json<{ cookie: string | null }>().cookie, null);
      const explicit = await session.get('/away', { headers: { cookie: 'secret=1' } });
      assert.equal(explicit.json<{ cookie: string | null }>().cookie, null);
    } finally {
      await session.close();
    }
  });

  it('301/302 turn a POST into a GET without its body, 307 keeps both; each hop’s cookie is stored and sent on', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      assert.deepEqual((await session.post('/found', { body: 'payload' })).json(), { cookie: 'hop=found', method: 'GET', body: '' });
      const kept = await session.post('/temporary', { body: 'payload', headers: { 'content-type': 'text/plain' } });
      assert.deepEqual(kept.json(), { cookie: 'hop=temporary', method: 'POST', body: 'payload' });
      assert.equal(origin.seen.at(-1)?.headers['content-type'], 'text/plain');
    } finally {
      await session.close();
    }
  });

  it('redirect: manual returns the 3xx, and its set-cookie is stored', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1, redirect: 'manual' });
    try {
      const res = await session.get('/login');
      assert.equal(res.status, 302);
      assert.equal(res.redirected, false);
      assert.equal(session.cookieJar?.getCookieStringSync(`${origin.url}/`), 'token=t1');
    } finally {
      await session.close();
    }
  });

  it('a streamed body’s redirect comes back as it is (it cannot be sent twice), its cookie stored', async () => {
    const session = new FuturesSession({ baseURL: origin.url, cookies: true, maxWorkers: 1 });
    try {
      async function* upload() {
        yield new TextEncoder().encode('streamed');
      }
      const res = await session.post('/temporary', { body: upload() });
      assert.equal(res.status, 307);
      assert.equal(session.cookieJar?.getCookieStringSync(`${origin.url}/`), 'hop=temporary');
    } finally {
      await session.close();
    }
  });

  it('a jar of yours with an asynchronous store works (the jar’s async API is used)', async () => {
    const { jar } = asyncJar();
    const session = new FuturesSession({ baseURL: origin.url, cookies: jar, maxWorkers: 1 });
    try {
      assert.equal(await cookieOf(session.get('/login')), 'token=t1');
      assert.equal(await jar.getCookieString(`${origin.url}/`), 'token=t1');
    } finally {
      await session.close();
    }
  });

  it('a jar from another copy of tough-cookie, known by its async methods, works', async () => {
    const inner = new CookieJar();
    const foreign = {
      getCookieString: (url: string) => inner.getCookieString(url),
      setCookie: (cookie: string, url: string, options: object) => inner.setCookie(cookie, url, options),
    };
    const session = new FuturesSession({ baseURL: origin.url, cookies: foreign as unknown as CookieJar, maxWorkers: 1 });
    try {
      assert.equal(session.cookieJar, foreign);
      assert.equal(await cookieOf(session.get('/login')), 'token=t1');
      assert.equal(await inner.getCookieString(`${origin.url}/`), 'token=t1');
    } finally {
      await session.close();
    }
  });

  it('a request cancelled while its worker waits for the jar frees its slot (the worker gives up the jar call)', async () => {
    const gated = asyncJar();
    const session = new FuturesSession({ baseURL: origin.url, cookies: gated.jar, maxWorkers: 1 });
    try {
      gated.shut();
      const future = session.get('/x');
      await until(() => gated.lookups() > 0);
      assert.equal(future.cancel(), true);
      await rejectsWith(future, 'TF_ERR_ABORTED');
      await until(() => session.stats().inflight === 0);
      gated.open();
      assert.equal((await session.get('/x')).status, 200);
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

  it("override a cookie of the same name, the jar's or an explicit header's: one is sent, the request's", async () => {
    const jarred = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, cookies: true });
    try {
      await jarred.get('/set');
      assert.equal(await cookieOf(jarred.get('/x')), 'sid=abc; gone=1');
      assert.equal(await cookieOf(jarred.get('/x', { cookies: { sid: 'mine', more: '1' } })), 'gone=1; sid=mine; more=1');
      const explicit = jarred.get('/x', { headers: { cookie: 'sid=h; h=1' }, cookies: { sid: 'mine' } });
      assert.equal(await cookieOf(explicit), 'h=1; sid=mine', "an explicit header replaces the jar's; the request's cookies still go");
    } finally {
      await jarred.close();
    }
    const plain = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, headers: { cookie: 'a=0; z=0' } });
    try {
      assert.equal(await cookieOf(plain.get('/x', { cookies: { a: '1' } })), 'z=0; a=1');
    } finally {
      await plain.close();
    }
  });

  it('bad names and values are TF_ERR_INVALID_ARGUMENT', async () => {
    const session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
    try {
      await rejectsWith(session.get('/x', { cookies: { 'bad name': '1' } }), 'TF_ERR_INVALID_ARGUMENT', /not a valid cookie name/);
      await rejectsWith(session.get('/x', { cookies: { a: 'x;y' } }), 'TF_ERR_INVALID_ARGUMENT', /semicolons/);
      await rejectsWith(session.get('/x', { cookies: 'a=1' as never }), 'TF_ERR_INVALID_ARGUMENT', /record/);
      assert.throws(() => new FuturesSession({ cookies: 'yes' as never }), /options.cookies must be/);
      assert.throws(() => new FuturesSession({ cookies: {} as never }), { code: 'TF_ERR_INVALID_ARGUMENT', message: /options.cookies must be/ });
    } finally {
      await session.close();
    }
  });
});
