import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Origin, rejectsWith, startHttp, startProxy, type TestProxy } from './helpers.js';

/**
 * The redirect rules, the same with and without a cookie jar (with one, the worker follows hop by hop
 * asking the jar; without, it follows in http.ts). `/to/<status>?location=...` redirects there;
 * `/flaky/<key>` answers 503 the first time for its key.
 */
let origin: Origin;
let other: Origin;
let proxy: TestProxy;
const flaky = new Set<string>();

before(async () => {
  other = await startHttp((req, res) => res.writeHead(200).end(`other ${req.method}`));
  proxy = await startProxy();
  origin = await startHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/');
    // UTF-8 bytes in the Location, as servers send non-ASCII paths (Node writes a header string as latin1).
    if (url.pathname === '/utf8-location') res.writeHead(302, { location: Buffer.from('/š?q=š', 'utf8').toString('latin1') }).end();
    else if (parts[1] === 'to') res.writeHead(Number(parts[2]), { location: url.searchParams.get('location') ?? '/final' }).end('moved');
    else if (parts[1] === 'flaky' && !flaky.has(url.pathname)) {
      flaky.add(url.pathname);
      res.writeHead(503).end('try again');
    } else res.writeHead(200, { 'content-type': 'text/plain' }).end(`final ${req.method}`);
  });
});

after(async () => {
  await Promise.all([origin.close(), other.close(), proxy.close()]);
});

const to = (status: number, location: string) => `/to/${status}?location=${encodeURIComponent(location)}`;

for (const cookies of [false, true]) {
  describe(`redirect rules ${cookies ? 'with' : 'without'} a cookie jar`, () => {
    let session: FuturesSession;
    before(() => {
      session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, cookies });
    });
    after(() => session.close());
    const last = () => origin.seen.at(-1);

    for (const status of [301, 302]) {
      it(`${status} turns a POST into a GET without its body and its content-* headers`, async () => {
        const res = await session.post(to(status, '/final'), { json: { a: 1 }, headers: { 'content-language': 'en', 'x-kept': 'yes' } });
        assert.equal(res.text(), 'final GET');
        assert.equal(last()?.method, 'GET');
        assert.equal(last()?.body.byteLength, 0);
        assert.equal(last()?.headers['content-type'], undefined);
        assert.equal(last()?.headers['content-language'], undefined);
        assert.equal(last()?.headers['content-length'], undefined);
        assert.equal(last()?.headers['x-kept'], 'yes');
      });
    }

    it('a Location with a fragment: the server gets the path, res.url has no fragment', async () => {
      const res = await session.get(to(302, '/final?q=1#part'));
      assert.equal(last()?.url, '/final?q=1');
      assert.equal(res.url, `${origin.url}/final?q=1`);
      assert.equal(res.redirected, true);
    });

    it('a Location of UTF-8 bytes is read as UTF-8: /š is sent as /%C5%A1', async () => {
      const res = await session.get('/utf8-location');
      assert.equal(last()?.url, '/%C5%A1?q=%C5%A1');
      assert.equal(res.url, `${origin.url}/%C5%A1?q=%C5%A1`);
    });

    it('a request not redirected: res.url has no fragment either', async () => {
      const res = await session.get('/final?q=1#part');
      assert.equal(last()?.url, '/final?q=1');
      assert.equal(res.url, `${origin.url}/final?q=1`);
      assert.equal(res.redirected, false);
    });

    it('a protocol-relative Location to another port is another origin: credentials are dropped', async () => {
      const res = await session.get(to(307, `//127.0.0.1:${other.port}/pr`), { headers: { authorization: 'Bearer secret', 'x-kept': 'yes' } });
      assert.equal(res.text(), 'other GET');
      assert.equal(res.url, `${other.url}/pr`);
      assert.equal(other.seen.at(-1)?.headers.authorization, undefined);
      assert.equal(other.seen.at(-1)?.headers['x-kept'], 'yes');
    });

    it('a Location that is not a URL: the 3xx is returned as it is', async () => {
      const before = origin.seen.length;
      const res = await session.get(to(302, 'http://[not-a-host'));
      assert.equal(res.status, 302);
      assert.equal(res.redirected, false);
      assert.equal(res.headers.get('location'), 'http://[not-a-host');
      assert.equal(res.text(), 'moved');
      assert.equal(origin.seen.length - before, 1);
    });

    for (const location of ['ftp://127.0.0.1/file', 'data:text/plain,hi', 'file:///etc/passwd']) {
      it(`a redirect to ${location.split(':')[0]}: is refused with TF_ERR_NETWORK naming the request`, async () => {
        const url = to(302, location);
        const error = await rejectsWith(session.get(url), 'TF_ERR_NETWORK', /redirect to a non-http\(s\) URL \([a-z]+:\) refused/);
        assert.equal(error.request?.url, `${origin.url}${url}`);
      });
    }

    it('maxRedirects is exact: 1 follows one redirect and refuses a second', async () => {
      assert.equal((await session.get(to(302, '/final'), { maxRedirects: 1 })).status, 200);
      await rejectsWith(session.get(to(302, to(302, '/final')), { maxRedirects: 1 }), 'TF_ERR_TOO_MANY_REDIRECTS', /maxRedirects \(1\)/);
    });

    it('with retry, a hop after a redirect is retried on its own', async () => {
      const key = `/flaky/${cookies}`;
      const before = origin.seen.length;
      const res = await session.get(to(302, key), { retry: { limit: 1, delay: 1 } });
      assert.equal(res.status, 200);
      assert.equal(res.url, `${origin.url}${key}`);
      assert.deepEqual(
        origin.seen.slice(before).map((s) => s.url),
        [to(302, key), key, key],
      );
    });

    it('through a proxy, each hop goes through it and the final URL is the target', async () => {
      const res = await session.get(to(303, `${other.url}/via`), { proxy: proxy.url });
      assert.equal(res.text(), 'other GET');
      assert.equal(res.url, `${other.url}/via`);
      const hop = origin.seen.at(-1);
      assert.equal(hop?.url, to(303, `${other.url}/via`));
      assert.ok(proxy.carried(hop), 'the first hop went through the proxy');
      assert.ok(proxy.carried(other.seen.at(-1)), 'the second hop went through the proxy');
    });
  });
}
