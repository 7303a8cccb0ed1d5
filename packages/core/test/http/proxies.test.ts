import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { selfSigned } from './certs.js';
import { type Origin, rejectsWith, startHttp, startHttps, startProxy, type TestProxy } from './helpers.js';

let origin: Origin;
let secure: Origin;
let far: Origin;
let proxy: TestProxy;
let shared: FuturesSession;

before(async () => {
  const reply = (_req: unknown, res: { writeHead(s: number): { end(b: string): void } }) => res.writeHead(200).end('behind the proxy');
  origin = await startHttp(reply);
  far = await startHttp(reply, '127.0.0.2');
  secure = await startHttps(reply, selfSigned());
  proxy = await startProxy();
  shared = new FuturesSession({ maxWorkers: 1, proxy: false });
});

after(async () => {
  await shared.close();
  await Promise.all([origin.close(), far.close(), secure.close(), proxy.close()]);
});

/** The methods the proxy was asked for `target`: absolute-form requests, or CONNECT to its authority. */
function asked(target: Origin): string[] {
  const authority = target.url.replace(/^https?:\/\//, '');
  return proxy.requests.filter((r) => r.target === authority || r.target.startsWith(`${target.url}/`)).map((r) => r.method);
}

/** Whether the last request `target` received came through the proxy. */
const viaProxy = (target: Origin) => proxy.carried(target.seen.at(-1));

function withEnv<T>(vars: Record<string, string | undefined>, make: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  Object.assign(process.env, vars);
  try {
    return make();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('proxy option', () => {
  it('an http: request goes through the proxy, and the origin gets it from there', async () => {
    const res = await shared.get(`${origin.url}/via?x=1`, { proxy: proxy.url });
    assert.equal(res.text(), 'behind the proxy');
    assert.equal(origin.seen.at(-1)?.url, '/via?x=1');
    assert.ok(viaProxy(origin), 'the origin got it on a proxy connection');
    assert.ok(asked(origin).length > 0, 'the proxy was asked for the origin (absolute-form or CONNECT)');
  });

  it('an https: request is tunnelled with CONNECT, and TLS is still checked against the origin', async () => {
    const res = await shared.get(`${secure.url}/tunnel`, { proxy: proxy.url, tls: { ca: selfSigned().cert } });
    assert.equal(res.text(), 'behind the proxy');
    assert.equal(secure.seen.at(-1)?.url, '/tunnel');
    assert.ok(viaProxy(secure));
    assert.deepEqual([...new Set(asked(secure))], ['CONNECT']);
    await rejectsWith(shared.get(`${secure.url}/untrusted`, { proxy: proxy.url }), 'TF_ERR_TLS');
  });

  it('credentials in the proxy URL are sent as proxy-authorization to the proxy only', async () => {
    const url = new URL(proxy.url);
    url.username = 'puser';
    url.password = 'p@ss';
    await shared.get(`${origin.url}/cred`, { proxy: url });
    const expected = `Basic ${Buffer.from('puser:p@ss').toString('base64')}`;
    assert.ok(proxy.requests.some((r) => r.headers['proxy-authorization'] === expected));
    assert.ok(viaProxy(origin));
    assert.equal(origin.seen.at(-1)?.headers['proxy-authorization'], undefined);
  });

  it('a proxy URL with a user and an empty password sends Basic user: (as requests does)', async () => {
    const url = new URL(proxy.url);
    url.username = 'user';
    await shared.get(`${origin.url}/user-only`, { proxy: url });
    assert.equal(proxy.requests.at(-1)?.headers['proxy-authorization'], 'Basic dXNlcjo=');
    const env = withEnv({ HTTP_PROXY: `http://user:@127.0.0.1:${proxy.port}` }, () => new FuturesSession({ executor: shared.executor }));
    try {
      await env.get(`${origin.url}/env-user-only`);
      assert.equal(proxy.requests.at(-1)?.headers['proxy-authorization'], 'Basic dXNlcjo=');
    } finally {
      await env.close();
    }
  });

  it('a session proxy is used by default, and proxy: false on a request bypasses it', async () => {
    const proxied = new FuturesSession({ executor: shared.executor, proxy: proxy.url });
    try {
      await proxied.get(`${origin.url}/session-proxy`);
      assert.ok(viaProxy(origin));
      await proxied.get(`${origin.url}/bypass`, { proxy: false });
      assert.equal(origin.seen.at(-1)?.url, '/bypass');
      assert.equal(viaProxy(origin), false);
    } finally {
      await proxied.close();
    }
  });

  it('a proxy that refuses connections gives TF_ERR_CONNECTION_REFUSED', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await rejectsWith(shared.get(`${origin.url}/x`, { proxy: `http://127.0.0.1:${port}` }), 'TF_ERR_CONNECTION_REFUSED');
  });

  for (const [what, value, message] of [
    ['not a URL', 'not a url', /proxy must be an absolute proxy URL/],
    ['a socks URL', 'socks5://127.0.0.1:1080', /proxy must use http: or https:/],
    ['true', true, /proxy must be a proxy URL \(http: or https:\) or false/],
    ['a number', 8080, /proxy must be a proxy URL/],
  ] as const) {
    it(`proxy as ${what} rejects with TF_ERR_INVALID_ARGUMENT`, async () => {
      await rejectsWith(shared.get(`${origin.url}/x`, { proxy: value as never }), 'TF_ERR_INVALID_ARGUMENT', message);
    });
  }
});

describe('proxy from the environment', () => {
  it('HTTP_PROXY is read when the session is created and kept after the variable changes', async () => {
    const s = withEnv({ HTTP_PROXY: proxy.url }, () => new FuturesSession({ executor: shared.executor }));
    const plain = withEnv({}, () => new FuturesSession({ executor: shared.executor }));
    try {
      await s.get(`${origin.url}/env`);
      assert.ok(viaProxy(origin), 'the env proxy was used');
      await plain.get(`${origin.url}/no-env`);
      assert.equal(viaProxy(origin), false, 'a session made without the variable goes direct');
    } finally {
      await s.close();
      await plain.close();
    }
  });

  it('lower-case http_proxy works too', async () => {
    const s = withEnv({ http_proxy: proxy.url }, () => new FuturesSession({ executor: shared.executor }));
    try {
      await s.get(`${origin.url}/lower`);
      assert.ok(viaProxy(origin));
    } finally {
      await s.close();
    }
  });

  it('NO_PROXY hosts go direct while others use HTTP_PROXY', async () => {
    const s = withEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.2' }, () => new FuturesSession({ executor: shared.executor }));
    try {
      await s.get(`${far.url}/direct`);
      assert.equal(far.seen.at(-1)?.url, '/direct');
      assert.equal(viaProxy(far), false, 'the NO_PROXY host was reached directly');
      await s.get(`${origin.url}/proxied`);
      assert.ok(viaProxy(origin));
    } finally {
      await s.close();
    }
  });

  it('HTTPS_PROXY is used for https: URLs, with the session tls options', async () => {
    const ca = selfSigned().cert;
    const s = withEnv({ HTTPS_PROXY: proxy.url }, () => new FuturesSession({ executor: shared.executor, tls: { ca } }));
    try {
      await s.get(`${secure.url}/env-https`);
      assert.equal(secure.seen.at(-1)?.url, '/env-https');
      assert.ok(viaProxy(secure));
    } finally {
      await s.close();
    }
  });

  it('an explicit proxy: false ignores the environment', async () => {
    const s = withEnv({ HTTP_PROXY: proxy.url }, () => new FuturesSession({ executor: shared.executor, proxy: false }));
    try {
      await s.get(`${origin.url}/ignored-env`);
      assert.equal(origin.seen.at(-1)?.url, '/ignored-env');
      assert.equal(viaProxy(origin), false);
    } finally {
      await s.close();
    }
  });
});
