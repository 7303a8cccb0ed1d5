/** Bad input beyond invalid-arguments.test.ts: every transport option, header names, bodies, queries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Future, FuturesSession, InvalidArgumentError, type RequestOptions, type SessionOptions } from '@threadfetch/core';
import { type Origin, rejectsWith, withOkOrigin } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
withOkOrigin((o, s) => {
  origin = o;
  session = s;
});

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;
const limit = 2_147_483_647;

/** [what, request options (or a method), expected message]. */
const requestCases: [string, { method?: string; options?: Record<string, unknown> }, RegExp][] = [
  ['a method with CR/LF', { method: 'GET\r\nX-Evil: 1' }, /method must be an HTTP method token/],
  ['a method with a tab', { method: 'GE\tT' }, /method must be an HTTP method token/],
  ['a method with a slash', { method: 'GET/1' }, /method must be an HTTP method token/],
  ['CR/LF in a header name', { options: { headers: { 'x-a\r\nx-b': '1' } } }, /is not a valid header name/],
  ['a colon in a header name', { options: { headers: { 'x:y': '1' } } }, /"x:y" is not a valid header name/],
  ['an empty header name', { options: { headers: { '': '1' } } }, /"" is not a valid header name/],
  ['a bare LF in a header value', { options: { headers: { 'x-a': 'a\nb' } } }, /headers\.x-a must not contain CR, LF or NUL/],
  ['a NUL in a header value', { options: { headers: { 'x-a': 'a\0b' } } }, /headers\.x-a must not contain CR, LF or NUL/],
  ['headers as an array of names', { options: { headers: ['x-a'] } }, /headers\[0\] must be a \[name, value\] pair/],
  ['circular json', { options: { json: circular } }, /json cannot be serialized: .*circular/i],
  ['json with a nested BigInt', { options: { json: { deep: [{ n: 2n }] } } }, /json cannot be serialized: .*BigInt/i],
  ['json that is a symbol', { options: { json: Symbol('s') } }, /json must be a JSON-serializable value/],
  [
    'a query that is null',
    { options: { query: null } },
    /query must be a plain record of strings, numbers, booleans or arrays of them, a Map or URLSearchParams/,
  ],
  ['a query value that is NaN', { options: { query: { n: Number.NaN } } }, /query\.n must be a string, finite number, boolean, or an array of them, got NaN/],
  ['a query value that is Infinity', { options: { query: { n: Number.POSITIVE_INFINITY } } }, /query\.n must be a string, finite number/],
  ['a query value that is null', { options: { query: { n: null } } }, /query\.n must be a string, finite number/],
  ['a nested query array', { options: { query: { n: [['a']] } } }, /query\.n must be a string, finite number/],
  ["redirect: 'bogus'", { options: { redirect: 'bogus' } }, /redirect must be 'follow' or 'manual', got "bogus"/],
  ['redirect: true', { options: { redirect: true } }, /redirect must be 'follow' or 'manual'/],
  ['maxRedirects: -1', { options: { maxRedirects: -1 } }, /maxRedirects must be a non-negative integer, got -1/],
  ['maxRedirects: 1.5', { options: { maxRedirects: 1.5 } }, /maxRedirects must be a non-negative integer/],
  ["maxRedirects: '3'", { options: { maxRedirects: '3' } }, /maxRedirects must be a non-negative integer/],
  ['maxResponseSize: -1', { options: { maxResponseSize: -1 } }, /maxResponseSize must be a non-negative integer, got -1/],
  ['maxResponseSize: NaN', { options: { maxResponseSize: Number.NaN } }, /maxResponseSize must be a non-negative integer/],
  ['an unknown option', { options: { maxRedirect: 3 } }, /unknown request option "maxRedirect"; allowed: .*maxRedirects/],
  ['an unknown option (retries)', { options: { retries: 3 } }, /unknown request option "retries"; allowed: .*retry/],
  ['a timeout over 2^31-1', { options: { timeout: limit + 1 } }, /timeout must be a positive number of milliseconds up to 2147483647, or Infinity/],
  ['a timeout given as a string', { options: { timeout: '100' } }, /timeout must be a positive number/],
];

for (const name of ['connectTimeout', 'headersTimeout', 'bodyTimeout']) {
  for (const [label, value] of [
    ['negative', -1],
    ['zero', 0],
    ['NaN', Number.NaN],
    ['a string', '100'],
    ['over 2^31-1', limit + 1],
  ] as const) {
    requestCases.push([
      `${name} ${label}`,
      { options: { [name]: value } },
      new RegExp(`^${name} must be a positive number of milliseconds up to ${limit}, got `),
    ]);
  }
}

describe('bad request input: a coded rejection that says what is wrong, never a throw', () => {
  for (const [what, { method = 'GET', options }, message] of requestCases) {
    it(what, async () => {
      const before = origin.seen.length;
      let future: Future<unknown> | undefined;
      assert.doesNotThrow(() => {
        future = session.request({ method, url: '/x', ...(options as RequestOptions) });
      });
      assert.ok(future instanceof Future);
      const error = await rejectsWith(future, 'TF_ERR_INVALID_ARGUMENT', message);
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(origin.seen.length, before, 'nothing reached the server');
    });
  }

  it('Infinity is allowed for timeout (none), and 2^31-1 for the phase timeouts', async () => {
    const res = await session.get('/x', { timeout: Number.POSITIVE_INFINITY, connectTimeout: limit, headersTimeout: limit, bodyTimeout: limit });
    assert.equal(res.status, 200);
  });
});

describe('bad session options throw from the constructor, naming options.<name>', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["redirect: 'bogus'", { redirect: 'bogus' }, /^options\.redirect must be 'follow' or 'manual'/],
    ['maxRedirects: -1', { maxRedirects: -1 }, /^options\.maxRedirects must be a non-negative integer/],
    ['maxResponseSize: 0.5', { maxResponseSize: 0.5 }, /^options\.maxResponseSize must be a non-negative integer/],
    ['connectTimeout: 0', { connectTimeout: 0 }, /^options\.connectTimeout must be a positive number/],
    ['headersTimeout: -5', { headersTimeout: -5 }, /^options\.headersTimeout must be a positive number/],
    ['bodyTimeout: NaN', { bodyTimeout: Number.NaN }, /^options\.bodyTimeout must be a positive number/],
    ['throwHttpErrors: 1', { throwHttpErrors: 1 }, /^options\.throwHttpErrors must be a boolean/],
    ['http2: "yes"', { http2: 'yes' }, /^options\.http2 must be a boolean/],
    ['proxy: "nope"', { proxy: 'nope' }, /^options\.proxy must be an absolute proxy URL/],
    ['retry: { limit: -1 }', { retry: { limit: -1 } }, /^options\.retry\.limit must be an integer >= 0/],
    ['a query value that is NaN', { query: { n: Number.NaN } }, /^options\.query\.n must be a string, finite number/],
    ['a header name with a space', { headers: { 'bad name': 'x' } }, /^options\.headers: "bad name" is not a valid header name/],
  ];
  for (const [what, options, message] of cases) {
    it(what, () => {
      assert.throws(
        () => new FuturesSession({ executor: session.executor, ...(options as SessionOptions) }),
        (error: unknown) => error instanceof InvalidArgumentError && error.code === 'TF_ERR_INVALID_ARGUMENT' && message.test(error.message),
      );
    });
  }
});
