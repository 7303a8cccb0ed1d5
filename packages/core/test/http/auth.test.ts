import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Auth, FuturesSession, InvalidArgumentError } from '@threadfetch/core';
import { type Origin, rejectsWith, withOkOrigin } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
withOkOrigin((o, s) => {
  origin = o;
  session = s;
});

const sentAuthorization = () => origin.seen.at(-1)?.headers.authorization;
const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('auth', () => {
  it('{ username, password } sends HTTP Basic', async () => {
    await session.get('/a', { auth: { username: 'aladdin', password: 'open sesame' } });
    assert.equal(sentAuthorization(), 'Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('Basic credentials are UTF-8 encoded, and the password may hold colons or be empty', async () => {
    await session.get('/a', { auth: { username: 'jürgen', password: 'pä:ss:€' } });
    assert.equal(sentAuthorization(), basic('jürgen:pä:ss:€'));
    await session.get('/a', { auth: { username: 'u', password: '' } });
    assert.equal(sentAuthorization(), basic('u:'));
  });

  it('{ bearer } sends a Bearer token', async () => {
    await session.get('/a', { auth: { bearer: 'tok.en-123' } });
    assert.equal(sentAuthorization(), 'Bearer tok.en-123');
  });

  it('session auth goes with every request; request auth overrides it, for that request only', async () => {
    const s = new FuturesSession({ baseURL: origin.url, executor: session.executor, auth: { username: 's', password: 'p' } });
    try {
      await s.get('/a');
      assert.equal(sentAuthorization(), basic('s:p'));
      await s.get('/a', { auth: { bearer: 'request' } });
      assert.equal(sentAuthorization(), 'Bearer request');
      await s.get('/a', { maxRedirects: 3 });
      assert.equal(sentAuthorization(), basic('s:p'), 'other transport options keep the session auth');
    } finally {
      await s.close();
    }
  });

  it('an explicit authorization header wins over auth, in any case of its name', async () => {
    await session.get('/a', { auth: { bearer: 'ignored' }, headers: { Authorization: 'Custom xyz' } });
    assert.equal(sentAuthorization(), 'Custom xyz');
    assert.equal(origin.seen.at(-1)?.rawHeaders.filter((h) => h.toLowerCase() === 'authorization').length, 1);
    const s = new FuturesSession({ baseURL: origin.url, executor: session.executor, auth: { bearer: 'session' } });
    try {
      await s.get('/a', { headers: { AUTHORIZATION: 'Token request' } });
      assert.equal(sentAuthorization(), 'Token request');
    } finally {
      await s.close();
    }
  });

  it('a user and password in the URL are sent as HTTP Basic (percent-decoded), and taken out of the URL', async () => {
    const url = new URL('/a', origin.url);
    url.username = 'al%C3%AFce';
    url.password = 'p%40ss:w';
    const res = await session.get(url.href);
    assert.equal(sentAuthorization(), basic('alïce:p@ss:w'));
    assert.equal(res.url, new URL('/a', origin.url).href);
  });

  it('auth, or an authorization header, wins over credentials in the URL', async () => {
    const url = new URL('/a', origin.url);
    url.username = 'url-user';
    url.password = 'url-pass';
    await session.get(url.href, { auth: { bearer: 'option' } });
    assert.equal(sentAuthorization(), 'Bearer option');
    await session.get(url.href, { headers: { authorization: 'Custom header' } });
    assert.equal(sentAuthorization(), 'Custom header');
  });

  it('a user name with an encoded ":" in the URL rejects (RFC 7617), before anything is sent', async () => {
    const before = origin.seen.length;
    const url = new URL('/a', origin.url);
    url.username = 'a%3Ab';
    url.password = 'p';
    await rejectsWith(session.get(url.href), 'TF_ERR_INVALID_ARGUMENT', /user name in a URL must not contain ":"/);
    assert.equal(origin.seen.length, before);
  });

  it('no auth, no authorization header', async () => {
    await session.get('/a');
    assert.equal(sentAuthorization(), undefined);
  });
});

describe('auth: bad shapes', () => {
  const bad: [string, unknown][] = [
    ['a string', 'user:pass'],
    ['null', null],
    ['a username without password', { username: 'u' }],
    ['a non-string password', { username: 'u', password: 1 }],
    ['a non-string bearer', { bearer: 42 }],
    ['both basic and bearer', { username: 'u', password: 'p', bearer: 't' }],
    ['an empty object', {}],
  ];
  for (const [what, auth] of bad) {
    it(`${what} rejects with TF_ERR_INVALID_ARGUMENT`, async () => {
      const before = origin.seen.length;
      const error = await rejectsWith(
        session.get('/a', { auth: auth as Auth }),
        'TF_ERR_INVALID_ARGUMENT',
        /auth must be \{ username, password \}.*\{ bearer \}/,
      );
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(origin.seen.length, before, 'nothing was sent');
    });
  }

  it('a username with ":" rejects (RFC 7617)', async () => {
    await rejectsWith(session.get('/a', { auth: { username: 'a:b', password: 'p' } }), 'TF_ERR_INVALID_ARGUMENT', /auth\.username must not contain ":"/);
  });

  it('a bearer token with CR or LF rejects', async () => {
    await rejectsWith(session.get('/a', { auth: { bearer: 'x\r\nx-injected: 1' } }), 'TF_ERR_INVALID_ARGUMENT', /auth\.bearer must not contain CR, LF/);
  });

  it('bad session auth throws from the constructor', () => {
    assert.throws(
      () => new FuturesSession({ executor: session.executor, auth: { bearer: 7 } as unknown as Auth }),
      (error: unknown) => error instanceof InvalidArgumentError && /auth must be/.test(error.message),
    );
  });
});
