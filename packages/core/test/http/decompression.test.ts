import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { FuturesSession, ResponseTooLargeError } from '@threadfetch/core';
import { type Origin, rejectsWith, startHttp } from './helpers.js';

const text = 'threadfetch decodes this body. '.repeat(200);
const encoders: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
};
const hasZstd = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

/** Gzipped zeros: `mb` megabytes decoded, about a thousandth of that on the wire. */
function bomb(mb: number): Buffer {
  return zlib.gzipSync(Buffer.alloc(mb * 1_000_000), { level: 9 });
}

let origin: Origin;
let session: FuturesSession;
let small: FuturesSession;
const bombs: Record<string, Buffer> = {};

before(async () => {
  bombs.b2 = bomb(2);
  bombs.b50 = bomb(50);
  bombs.b70 = bomb(70);
  origin = await startHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const coding = url.searchParams.get('coding');
    if (url.pathname === '/encoded' && coding) {
      let body: Buffer = Buffer.from(text);
      for (const c of coding.split(',').map((s) => s.trim())) body = (encoders[c] as (b: Buffer) => Buffer)(body);
      res.writeHead(200, { 'content-encoding': coding, 'content-length': body.byteLength }).end(body);
    } else if (url.pathname === '/unknown-coding') {
      res.writeHead(200, { 'content-encoding': url.searchParams.get('as') ?? 'x-custom' }).end('raw bytes');
    } else if (url.pathname === '/bodiless') {
      // What a gzip endpoint answers without a body: HEAD, 204, 304 (headers about a representation not sent).
      const status = Number(url.searchParams.get('status') ?? 200);
      const body = zlib.gzipSync('{}');
      res.writeHead(status, {
        'content-encoding': 'gzip',
        'content-type': 'application/json',
        ...(status === 200 ? { 'content-length': body.byteLength } : {}),
      });
      res.end(req.method === 'HEAD' || status !== 200 ? undefined : body);
    } else if (url.pathname === '/bomb') {
      const body = bombs[url.searchParams.get('size') ?? ''] as Buffer;
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.byteLength }).end(body);
    } else if (url.pathname === '/plain') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(Number(url.searchParams.get('n')), 'a'));
    } else {
      res.writeHead(404).end();
    }
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
  small = new FuturesSession({ baseURL: origin.url, executor: session.executor, maxResponseSize: 1_000_000 });
});

after(async () => {
  await small.close();
  await session.close();
  await origin.close();
});

describe('decompression', () => {
  for (const coding of ['gzip', 'deflate', 'br', 'deflate, gzip', 'gzip, br']) {
    it(`content-encoding: ${coding} is decoded`, async () => {
      const res = await session.get('/encoded', { query: { coding } });
      assert.equal(res.status, 200);
      assert.equal(res.text(), text);
    });
  }

  it(`sends accept-encoding: gzip, deflate, br${hasZstd ? ', zstd' : ''} by default`, async () => {
    await session.get('/encoded', { query: { coding: 'gzip' } });
    assert.equal(origin.seen.at(-1)?.headers['accept-encoding'], hasZstd ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br');
  });

  it("keeps the caller's accept-encoding, in any case, and still decodes what comes back", async () => {
    const res = await session.get('/encoded', { query: { coding: 'gzip' }, headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(origin.seen.at(-1)?.headers['accept-encoding'], 'gzip');
    assert.equal(res.text(), text);
    await session.get('/plain?n=1', { headers: { 'accept-encoding': 'identity' } });
    assert.equal(origin.seen.at(-1)?.headers['accept-encoding'], 'identity');
  });

  it('a session accept-encoding header replaces the default', async () => {
    const own = new FuturesSession({ baseURL: origin.url, executor: session.executor, headers: { 'accept-encoding': 'br' } });
    try {
      const res = await own.get('/encoded', { query: { coding: 'br' } });
      assert.equal(origin.seen.at(-1)?.headers['accept-encoding'], 'br');
      assert.equal(res.text(), text);
    } finally {
      await own.close();
    }
  });

  it('a session or request accept-encoding of undefined removes the default: none is sent', async () => {
    const none = new FuturesSession({ baseURL: origin.url, executor: session.executor, headers: { 'Accept-Encoding': undefined } });
    try {
      await none.get('/plain?n=1');
      assert.equal(origin.seen.at(-1)?.headers['accept-encoding'], undefined);
    } finally {
      await none.close();
    }
    await session.get('/plain?n=1', { headers: { 'accept-encoding': undefined } });
    assert.equal(origin.seen.at(-1)?.headers['accept-encoding'], undefined);
  });

  it('an unknown content-coding leaves the body as it came', async () => {
    const res = await session.get('/unknown-coding');
    assert.equal(res.text(), 'raw bytes');
  });

  it('a coding named like an Object property (constructor, __proto__, toString) is unknown: the body as it came', async () => {
    for (const as of ['constructor', '__proto__', 'toString', 'gzip, hasOwnProperty']) {
      const res = await session.get('/unknown-coding', { query: { as } });
      assert.equal(res.text(), 'raw bytes', as);
    }
  });

  it('more than five codings is TF_ERR_DECODE; five are decoded', async () => {
    const five = 'gzip, gzip, gzip, gzip, gzip';
    assert.equal((await session.get('/encoded', { query: { coding: five } })).text(), text);
    await rejectsWith(session.get('/encoded', { query: { coding: `${five}, gzip` } }), 'TF_ERR_DECODE', /more than 5 content codings/);
    await rejectsWith(session.get('/unknown-coding', { query: { as: 'a, b, c, d, e, f' } }), 'TF_ERR_DECODE');
  });

  it('HEAD, 204 and 304 with content-encoding: the status, the headers intact, an empty body', async () => {
    const head = await session.head('/bodiless');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-encoding'), 'gzip');
    assert.equal(head.headers.get('content-length'), String(zlib.gzipSync('{}').byteLength));
    assert.equal(head.body.byteLength, 0);
    for (const status of [204, 304]) {
      const res = await session.get('/bodiless', { query: { status } });
      assert.equal(res.status, status);
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      assert.equal(res.body.byteLength, 0);
    }
    assert.equal((await session.get('/bodiless')).text(), '{}', 'a GET of the same resource is decoded');
  });
});

describe('maxResponseSize', () => {
  it('counts decoded bytes: a 50 MB gzip bomb (~50 KB on the wire) fails at a 1 MB request limit', async () => {
    assert.ok(bombs.b50 && bombs.b50.byteLength < 1_000_000, 'the compressed bomb itself is under the limit');
    const error = await rejectsWith(session.get('/bomb?size=b50', { maxResponseSize: 1_000_000 }), 'TF_ERR_RESPONSE_TOO_LARGE', /1000000 bytes/);
    assert.ok(error instanceof ResponseTooLargeError);
  });

  it('the session limit applies, and a request limit overrides it either way', async () => {
    await rejectsWith(small.get('/bomb?size=b2'), 'TF_ERR_RESPONSE_TOO_LARGE');
    const res = await small.get('/bomb?size=b2', { maxResponseSize: 3_000_000 });
    assert.equal(res.body.byteLength, 2_000_000);
    await rejectsWith(session.get('/bomb?size=b2', { maxResponseSize: 1_999_999 }), 'TF_ERR_RESPONSE_TOO_LARGE');
  });

  it('the default limit is 64 MiB: a 70 MB gzip bomb fails, a 2 MB one passes', async () => {
    await rejectsWith(session.get('/bomb?size=b70'), 'TF_ERR_RESPONSE_TOO_LARGE', /67108864 bytes/);
    assert.equal((await session.get('/bomb?size=b2')).body.byteLength, 2_000_000);
  });

  it('an uncompressed body over the limit fails; one of exactly the limit passes', async () => {
    await rejectsWith(small.get('/plain?n=1000001'), 'TF_ERR_RESPONSE_TOO_LARGE');
    const res = await small.get('/plain?n=1000000');
    assert.equal(res.body.byteLength, 1_000_000);
  });

  it('maxResponseSize: 0 accepts only an empty body', async () => {
    assert.equal((await session.get('/plain?n=0', { maxResponseSize: 0 })).body.byteLength, 0);
    await rejectsWith(session.get('/plain?n=1', { maxResponseSize: 0 }), 'TF_ERR_RESPONSE_TOO_LARGE');
  });

  it('the session still works after a body was cut off', async () => {
    await rejectsWith(small.get('/bomb?size=b50'), 'TF_ERR_RESPONSE_TOO_LARGE');
    assert.equal((await small.get('/plain?n=10')).text(), 'aaaaaaaaaa');
  });
});
