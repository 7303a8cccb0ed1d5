/**
 * Headers, query and form as users hold them: fetch's and npm undici's Headers, any Headers-like
 * object, Maps and [name, value] pairs are read; anything else that is not a plain record is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FuturesSession, type RequestOptions } from '@threadfetch/core';
import { Headers as UndiciHeaders } from 'undici';
import { type Origin, rejectsWith, withOkOrigin } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
withOkOrigin((o, s) => {
  origin = o;
  session = s;
});

const last = () => origin.seen.at(-1);

/** A Headers-like object that is no Headers: `forEach` and `get` only. */
class OwnHeaders {
  readonly #map = new Map([['X-Own', 'own']]);
  get(name: string): string | null {
    return this.#map.get(name) ?? null;
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this.#map) fn(value, name);
  }
}

describe('headers from Headers, Headers-like objects, Maps and pairs', () => {
  it("npm undici's Headers is read, per request and per session", async () => {
    await session.get('/h', { headers: new UndiciHeaders({ 'X-Undici': 'u1' }) as unknown as Headers });
    assert.equal(last()?.headers['x-undici'], 'u1');
    const s = new FuturesSession({ executor: session.executor, baseURL: origin.url, headers: new UndiciHeaders({ 'X-Session': 's' }) as unknown as Headers });
    try {
      await s.get('/h');
      assert.equal(last()?.headers['x-session'], 's');
    } finally {
      await s.close();
    }
  });

  it('a Map is read, names case-insensitive, undefined removing a session header', async () => {
    const s = new FuturesSession({ executor: session.executor, baseURL: origin.url, headers: new Map([['X-Gone', 'g']]) });
    try {
      await s.get('/h', {
        headers: new Map<string, string | undefined>([
          ['X-Map', 'm'],
          ['x-GONE', undefined],
        ]),
      });
      assert.equal(last()?.headers['x-map'], 'm');
      assert.equal(last()?.headers['x-gone'], undefined);
    } finally {
      await s.close();
    }
  });

  it('[name, value] pairs are read; a repeated name is combined as Headers combines it', async () => {
    await session.get('/h', {
      headers: [
        ['X-Pair', 'a'],
        ['x-pair', 'b'],
        ['cookie', 'c=1'],
        ['Cookie', 'd=2'],
      ],
    });
    assert.equal(last()?.headers['x-pair'], 'a, b');
    assert.equal(last()?.headers.cookie, 'c=1; d=2');
  });

  it('any object with forEach (or entries) and get is read as Headers', async () => {
    await session.get('/h', { headers: new OwnHeaders() as unknown as Headers });
    assert.equal(last()?.headers['x-own'], 'own');
  });
});

describe('query and form from Maps', () => {
  it('a query Map is read, arrays repeating a name', async () => {
    await session.get('/q', {
      query: new Map<string, string | string[]>([
        ['a', '1'],
        ['b', ['2', '3']],
      ]),
    });
    assert.equal(last()?.url, '/q?a=1&b=2&b=3');
  });

  it('a form Map is sent urlencoded', async () => {
    await session.post('/f', {
      form: new Map<string, string | number>([
        ['a', '1'],
        ['n', 2],
      ]),
    });
    assert.equal(last()?.body.toString(), 'a=1&n=2');
    assert.equal(last()?.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  });
});

describe('anything else that is not a plain record is refused, never dropped', () => {
  class Settings {
    readonly accept = 'text/plain';
  }
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'headers as a class instance',
      { headers: new Settings() },
      /^headers must be a plain record of header names to strings, a Headers, a Map or \[name, value\] pairs, got \[object Object\] \(Settings\)/,
    ],
    ['headers as a Set', { headers: new Set(['x']) }, /^headers must be a plain record .*, got \[object Set\]/],
    ['headers as a string', { headers: 'x-a: 1' }, /^headers must be a plain record/],
    ['a header pair of three', { headers: [['x-a', '1', '2']] }, /^headers\[0\] must be a \[name, value\] pair/],
    ['a header pair that is a string', { headers: ['x-a'] }, /^headers\[0\] must be a \[name, value\] pair/],
    ['a Map header name that is not a string', { headers: new Map([[1, 'x']]) }, /^headers: 1 is not a valid header name/],
    ['query as a class instance', { query: new Settings() }, /^query must be a plain record .* a Map or URLSearchParams, got \[object Object\] \(Settings\)/],
    ['query as a Set', { query: new Set(['a']) }, /^query must be a plain record/],
    ['form as a Date', { form: new Date(0) }, /^form must be a plain record of strings, numbers or booleans, a Map or URLSearchParams, got \[object Date\]/],
    ['form as an array', { form: ['a', 'b'] }, /^form must be a plain record/],
  ];
  for (const [what, options, message] of cases) {
    it(`${what}: TF_ERR_INVALID_ARGUMENT`, async () => {
      const before = origin.seen.length;
      await rejectsWith(session.post('/x', options as RequestOptions), 'TF_ERR_INVALID_ARGUMENT', message);
      assert.equal(origin.seen.length, before, 'nothing was sent');
    });
  }
});
