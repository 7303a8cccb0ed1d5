import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { FuturesSession, TlsError, type TlsOptions } from '@threadfetch/core';
import { type KeyPair, selfSigned } from './certs.js';
import { causeCodes, type Origin, rejectsWith, startHttps } from './helpers.js';

let server: Origin;
let mutual: Origin;
let pair: KeyPair;
let client: KeyPair;
let session: FuturesSession;

before(async () => {
  pair = selfSigned();
  client = selfSigned('threadfetch-client');
  // `/sni` answers the server name the client sent in its TLS hello.
  server = await startHttps((req, res) => res.writeHead(200).end(req.url === '/sni' ? String((req.socket as TLSSocket).servername) : 'secure'), pair);
  const peer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const cert = (req.socket as TLSSocket).getPeerCertificate();
    res.writeHead(200).end(cert.subject?.CN ?? 'anonymous');
  };
  mutual = await startHttps(peer, { ...pair, ca: client.cert, requestCert: true, rejectUnauthorized: true });
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});

after(async () => {
  await session.close();
  await Promise.all([server.close(), mutual.close()]);
});

describe('tls: verification', () => {
  it('a self-signed certificate is refused without its CA: TF_ERR_TLS with the Node code as cause', async () => {
    const error = await rejectsWith(session.get('/'), 'TF_ERR_TLS', /DEPTH_ZERO_SELF_SIGNED_CERT/);
    assert.ok(error instanceof TlsError);
    assert.ok(causeCodes(error).includes('DEPTH_ZERO_SELF_SIGNED_CERT'), String(causeCodes(error)));
    assert.equal(server.seen.length, 0, 'no request was sent over the unverified connection');
  });

  it('tls.ca trusts it, as PEM text, bytes, or an array', async () => {
    assert.equal((await session.get('/', { tls: { ca: pair.cert } })).text(), 'secure');
    assert.equal((await session.get('/', { tls: { ca: Buffer.from(pair.cert) } })).status, 200);
    assert.equal((await session.get('/', { tls: { ca: [client.cert, pair.cert] } })).status, 200);
  });

  it('another CA does not verify it', async () => {
    await rejectsWith(session.get('/', { tls: { ca: client.cert } }), 'TF_ERR_TLS');
  });

  it('rejectUnauthorized: false accepts it', async () => {
    assert.equal((await session.get('/', { tls: { rejectUnauthorized: false } })).status, 200);
  });

  it('servername is checked against the certificate: localhost passes, another name fails', async () => {
    assert.equal((await session.get('/', { tls: { ca: pair.cert, servername: 'localhost' } })).status, 200);
    const error = await rejectsWith(session.get('/', { tls: { ca: pair.cert, servername: 'example.com' } }), 'TF_ERR_TLS');
    assert.ok(causeCodes(error).includes('ERR_TLS_CERT_ALTNAME_INVALID'), String(causeCodes(error)));
  });

  it('tls.servername is the SNI sent, whatever the host header says', async () => {
    assert.equal((await session.get('/sni', { tls: { ca: pair.cert, servername: 'localhost' } })).text(), 'localhost');
    const res = await session.get('/sni', { tls: { ca: pair.cert, servername: 'localhost' }, headers: { host: 'example.com' } });
    assert.equal(res.text(), 'localhost');
    assert.equal(server.seen.at(-1)?.headers.host, 'example.com');
  });

  it('session tls options apply to every request', async () => {
    const trusting = new FuturesSession({ baseURL: server.url, executor: session.executor, tls: { ca: pair.cert } });
    try {
      assert.equal((await trusting.get('/')).status, 200);
    } finally {
      await trusting.close();
    }
  });

  it('verification failures are not cached: a failed request does not poison a later trusted one', async () => {
    await rejectsWith(session.get('/'), 'TF_ERR_TLS');
    assert.equal((await session.get('/', { tls: { ca: pair.cert } })).status, 200);
    await rejectsWith(session.get('/'), 'TF_ERR_TLS');
  });
});

describe('tls: client certificates', () => {
  it('tls.cert and tls.key are presented to a server that asks for them', async () => {
    const res = await session.get(`${mutual.url}/`, { tls: { ca: pair.cert, cert: client.cert, key: client.key } });
    assert.equal(res.text(), 'threadfetch-client');
  });

  it('without them the server refuses the connection (TF_ERR_TLS or TF_ERR_CONNECTION_RESET)', async () => {
    const code = await codeOf(session.get(`${mutual.url}/`, { tls: { ca: pair.cert } }));
    assert.match(String(code), /^TF_ERR_(TLS|CONNECTION_RESET)$/);
  });
});

async function codeOf(promise: PromiseLike<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('tls: bad options', () => {
  const bad: [string, unknown, RegExp][] = [
    ['a string', 'strict', /tls must be an object of TLS options/],
    ['null', null, /tls must be an object of TLS options/],
    ['ca as a number', { ca: 42 }, /tls\.ca must be PEM text or bytes, or an array of them/],
    ['ca array with a number', { ca: ['x', 1] }, /tls\.ca must be PEM text or bytes/],
    ['cert as an object', { cert: {} }, /tls\.cert must be PEM text or bytes/],
    ['key as a number', { key: 1 }, /tls\.key must be PEM text or bytes/],
    ['servername as a number', { servername: 1 }, /tls\.servername must be a string/],
    ['rejectUnauthorized as a string', { rejectUnauthorized: 'false' }, /tls\.rejectUnauthorized must be a boolean/],
    ['an unknown key', { verify: false }, /unknown option tls\.verify; allowed: ca, cert, key, servername, rejectUnauthorized/],
  ];
  for (const [what, tls, message] of bad) {
    it(`${what} rejects with TF_ERR_INVALID_ARGUMENT`, async () => {
      await rejectsWith(session.get('/', { tls: tls as TlsOptions }), 'TF_ERR_INVALID_ARGUMENT', message);
    });
  }

  it('bad session tls throws from the constructor, naming options.tls', () => {
    assert.throws(() => new FuturesSession({ executor: session.executor, tls: { ca: 1 } as never }), /options\.tls\.ca must be PEM/);
  });
});
