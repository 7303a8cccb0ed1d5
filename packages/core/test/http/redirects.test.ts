import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, TooManyRedirectsError } from '@threadfetch/core';
import { type Origin, rejectsWith, startHttp } from './helpers.js';

let origin: Origin;
let other: Origin;
let session: FuturesSession;

/** `/to/<status>?location=...` redirects; `/chain/<n>` redirects n times down to /final; `/loop` redirects to itself. */
before(async () => {
  other = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('other origin'), '127.0.0.2');
  origin = await startHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/');
    if (parts[1] === 'to') {
      res.writeHead(Number(parts[2]), { location: url.searchParams.get('location') ?? '/final' }).end('moved');
    } else if (parts[1] === 'chain') {
      const n = Number(parts[2]);
      res.writeHead(302, { location: n > 1 ? `/chain/${n - 1}` : '/final' }).end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else if (url.pathname === '/ping') {
      res.writeHead(302, { location: '/pong' }).end();
    } else if (url.pathname === '/pong') {
      res.writeHead(302, { location: '/ping' }).end();
    } else if (url.pathname === '/no-location') {
      res.writeHead(302).end('nowhere');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`final ${req.method}`);
    }
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await Promise.all([origin.close(), other.close()]);
});

const last = () => origin.seen.at(-1);

describe('redirects: following', () => {
  it('follows by default: res.redirected, the final res.url, and both hops reach the server', async () => {
    const before = origin.seen.length;
    const res = await session.get('/to/302?location=/final%3Fq%3D1');
    assert.equal(res.status, 200);
    assert.equal(res.redirected, true);
    assert.equal(res.url, `${origin.url}/final?q=1`);
    assert.equal(res.text(), 'final GET');
    assert.deepEqual(
      origin.seen.slice(before).map((s) => s.url),
      ['/to/302?location=/final%3Fq%3D1', '/final?q=1'],
    );
  });

  it('a response without a redirect has redirected false and the request URL', async () => {
    const res = await session.get('/final');
    assert.equal(res.redirected, false);
    assert.equal(res.url, `${origin.url}/final`);
  });

  it('a chain of redirects ends at the last URL', async () => {
    const res = await session.get('/chain/4');
    assert.equal(res.status, 200);
    assert.equal(res.url, `${origin.url}/final`);
  });

  it('a 3xx without a location is returned as it is', async () => {
    const res = await session.get('/no-location');
    assert.equal(res.status, 302);
    assert.equal(res.redirected, false);
    assert.equal(res.text(), 'nowhere');
  });
});

describe('redirects: method and body', () => {
  for (const status of [301, 302]) {
    it(`${status} turns POST into a GET without a body`, async () => {
      const res = await session.post(`/to/${status}`, { body: 'payload' });
      assert.equal(res.text(), 'final GET');
      assert.equal(last()?.method, 'GET');
      assert.equal(last()?.body.byteLength, 0);
    });
  }

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    it(`303 turns ${method} into a GET without a body`, async () => {
      const res = await session.request({ method, url: '/to/303', json: { n: 1 } });
      assert.equal(res.text(), 'final GET');
      assert.equal(last()?.method, 'GET');
      assert.equal(last()?.body.byteLength, 0);
      assert.equal(last()?.headers['content-type'], undefined, 'content-* headers are dropped on 303');
    });
  }

  it('303 keeps HEAD', async () => {
    await session.head('/to/303');
    assert.equal(last()?.method, 'HEAD');
  });

  for (const status of [307, 308]) {
    for (const method of ['POST', 'PUT']) {
      it(`${status} keeps ${method} and its body`, async () => {
        const body = new Uint8Array([0, 1, 2, 0xff, 0xfe]);
        const res = await session.request({ method, url: `/to/${status}`, body });
        assert.equal(res.text(), `final ${method}`);
        assert.equal(last()?.method, method);
        assert.deepEqual([...(last()?.body ?? [])], [...body]);
      });
    }
  }
});

describe('redirects: manual and limits', () => {
  it("redirect: 'manual' returns the 3xx with its location, and nothing else is requested", async () => {
    const before = origin.seen.length;
    const res = await session.get('/to/301?location=/final', { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.redirected, false);
    assert.equal(res.headers.get('location'), '/final');
    assert.equal(res.url, `${origin.url}/to/301?location=/final`);
    assert.equal(origin.seen.length - before, 1);
  });

  it("a session with redirect: 'manual' does not follow, and a request may turn following back on", async () => {
    const manual = new FuturesSession({ executor: session.executor, baseURL: origin.url, redirect: 'manual' });
    try {
      assert.equal((await manual.get('/to/302')).status, 302);
      assert.equal((await manual.get('/to/302', { redirect: 'follow' })).status, 200);
    } finally {
      await manual.close();
    }
  });

  it('more redirects than maxRedirects reject with TF_ERR_TOO_MANY_REDIRECTS', async () => {
    const error = await rejectsWith(session.get('/chain/5', { maxRedirects: 2 }), 'TF_ERR_TOO_MANY_REDIRECTS', /maxRedirects \(2\)/);
    assert.ok(error instanceof TooManyRedirectsError);
  });

  it('exactly maxRedirects redirects are followed', async () => {
    const res = await session.get('/chain/2', { maxRedirects: 2 });
    assert.equal(res.status, 200);
    assert.equal(res.url, `${origin.url}/final`);
  });

  it('maxRedirects: 0 with following on rejects a redirect with TF_ERR_TOO_MANY_REDIRECTS', async () => {
    await rejectsWith(session.get('/to/302', { maxRedirects: 0 }), 'TF_ERR_TOO_MANY_REDIRECTS');
  });

  it('a redirect to itself rejects with TF_ERR_TOO_MANY_REDIRECTS', async () => {
    await rejectsWith(session.get('/loop'), 'TF_ERR_TOO_MANY_REDIRECTS');
  });

  it('a two-URL redirect loop rejects with TF_ERR_TOO_MANY_REDIRECTS', async () => {
    await rejectsWith(session.get('/ping'), 'TF_ERR_TOO_MANY_REDIRECTS');
  });
});

describe('redirects: credentials across origins', () => {
  const secrets = { authorization: 'Bearer secret', cookie: 'sid=secret', 'proxy-authorization': 'Basic c2VjcmV0', 'x-kept': 'yes' };

  it('a redirect to another origin drops authorization, cookie and proxy-authorization', async () => {
    const target = encodeURIComponent(`${other.url}/landing`);
    const res = await session.get(`/to/302?location=${target}`, { headers: secrets });
    assert.equal(res.text(), 'other origin');
    assert.equal(res.url, `${other.url}/landing`);
    const seen = other.seen.at(-1);
    assert.equal(seen?.url, '/landing');
    assert.equal(seen?.headers['x-kept'], 'yes');
    assert.equal(seen?.headers.authorization, undefined);
    assert.equal(seen?.headers.cookie, undefined);
    assert.equal(seen?.headers['proxy-authorization'], undefined);
    assert.equal(seen?.headers.host, other.url.slice('http://'.length));
    assert.equal(last()?.headers.authorization, 'Bearer secret', 'the first origin got the credentials');
  });

  it('auth set by the auth option is dropped on a cross-origin redirect too', async () => {
    const target = encodeURIComponent(`${other.url}/auth-landing`);
    await session.get(`/to/307?location=${target}`, { auth: { username: 'u', password: 'p' } });
    assert.equal(other.seen.at(-1)?.url, '/auth-landing');
    assert.equal(other.seen.at(-1)?.headers.authorization, undefined);
  });

  it('a same-origin redirect keeps them', async () => {
    await session.get('/to/302?location=/same', { headers: secrets });
    const seen = last();
    assert.equal(seen?.url, '/same');
    assert.equal(seen?.headers.authorization, 'Bearer secret');
    assert.equal(seen?.headers.cookie, 'sid=secret');
    assert.equal(seen?.headers['proxy-authorization'], 'Basic c2VjcmV0');
  });
});
