/** Merge rules of session defaults and request options that requests.test.ts does not cover. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Origin, startHttp } from './helpers.js';

let origin: Origin;
let shared: FuturesSession;

before(async () => {
  origin = await startHttp((_req, res) => res.writeHead(200).end('ok'));
  shared = new FuturesSession({ maxWorkers: 1 });
});

after(async () => {
  await shared.close();
  await origin.close();
});

const last = () => origin.seen.at(-1);
const query = () => new URL(last()?.url ?? '', 'http://x').searchParams;

function sessionWith(options: ConstructorParameters<typeof FuturesSession>[0]): FuturesSession {
  return new FuturesSession({ executor: shared.executor, ...options });
}

describe('session merge: baseURL', () => {
  it('baseURL may be a URL object; a trailing slash is implied, so its last segment is kept', async () => {
    const s = sessionWith({ baseURL: new URL(`${origin.url}/v1/api`) });
    await s.get('users/7?x=1');
    assert.equal(last()?.url, '/v1/api/users/7?x=1');
    await s.get('../up');
    assert.equal(last()?.url, '/v1/up');
    await s.close();
  });

  it('an absolute request URL replaces baseURL entirely, and a protocol-relative one keeps its scheme', async () => {
    const s = sessionWith({ baseURL: 'http://127.0.0.1:1/never/' });
    await s.get(`${origin.url}/abs`);
    assert.equal(last()?.url, '/abs');
    await s.get(`//127.0.0.1:${origin.port}/proto-relative`);
    assert.equal(last()?.url, '/proto-relative');
    await s.close();
  });
});

describe('session merge: headers', () => {
  it('session headers may be a Headers object, and are merged with request headers case-insensitively', async () => {
    const s = sessionWith({ baseURL: origin.url, headers: new Headers({ 'X-Api-Key': 'k1', 'X-Other': 'o' }) });
    await s.get('/h', { headers: { 'x-API-key': 'k2' } });
    assert.equal(last()?.headers['x-api-key'], 'k2');
    assert.equal(last()?.headers['x-other'], 'o');
    assert.equal(last()?.rawHeaders.filter((h) => h.toLowerCase() === 'x-api-key').length, 1, 'sent once');
    await s.close();
  });

  it('undefined removes a session header whatever the case of its name', async () => {
    const s = sessionWith({ baseURL: origin.url, headers: { 'X-Trace': 't' } });
    await s.get('/h', { headers: { 'X-TRACE': undefined } });
    assert.equal(last()?.headers['x-trace'], undefined);
    await s.close();
  });

  it('a request override does not stick: the next request gets the session header again', async () => {
    const s = sessionWith({ baseURL: origin.url, headers: { 'x-mode': 'session' }, query: { mode: 'session' } });
    await s.get('/h', { headers: { 'x-mode': undefined }, query: { mode: 'request' } });
    assert.equal(last()?.headers['x-mode'], undefined);
    assert.equal(query().get('mode'), 'request');
    await s.get('/h');
    assert.equal(last()?.headers['x-mode'], 'session');
    assert.equal(query().get('mode'), 'session');
    await s.close();
  });

  it("the caller's header and query objects are not modified", async () => {
    const headers = Object.freeze({ 'x-a': '1' });
    const q = Object.freeze({ a: '1' });
    await shared.post(`${origin.url}/h`, { headers, query: q, json: { v: 1 } });
    assert.deepEqual(headers, { 'x-a': '1' });
    assert.deepEqual(q, { a: '1' });
    assert.equal(last()?.headers['content-type'], 'application/json');
  });
});

describe('session merge: query', () => {
  it('a session URLSearchParams with repeated names is kept, and request parameters are added after it', async () => {
    const s = sessionWith({
      baseURL: origin.url,
      query: new URLSearchParams([
        ['tag', 'a'],
        ['tag', 'b'],
      ]),
    });
    await s.get('/q?own=0', { query: { page: 2 } });
    assert.equal(last()?.url, '/q?own=0&tag=a&tag=b&page=2');
    await s.close();
  });

  it('a request array replaces all values of a session name', async () => {
    const s = sessionWith({ baseURL: origin.url, query: { tag: ['a', 'b'], keep: 'k' } });
    await s.get('/q', { query: { tag: ['c'] } });
    assert.deepEqual(query().getAll('tag'), ['c']);
    assert.equal(query().get('keep'), 'k');
    await s.close();
  });

  it('names and values are percent-encoded; empty strings, false and 0 are sent', async () => {
    await shared.get(`${origin.url}/q`, { query: { 'a b': 'x&y=z', é: '€', empty: '', no: false, zero: 0 } });
    const p = query();
    assert.equal(p.get('a b'), 'x&y=z');
    assert.equal(p.get('é'), '€');
    assert.deepEqual([p.get('empty'), p.get('no'), p.get('zero')], ['', 'false', '0']);
    assert.ok(!(last()?.url ?? '').includes(' '), 'no raw space on the wire');
  });

  it('a session parameter removed by undefined leaves the URL own parameter of that name alone', async () => {
    const s = sessionWith({ baseURL: origin.url, query: { page: '1' } });
    await s.get('/q?page=9', { query: { page: undefined } });
    assert.deepEqual(query().getAll('page'), ['9']);
    await s.close();
  });
});
