/**
 * Typed callbacks: `new FuturesSession<typeof import('./callbacks.js')>` types `background` names and
 * `res.data`. This file is compiled with the test project: each `@ts-expect-error` below must meet a
 * type error, or the build fails (an unused `@ts-expect-error` is itself an error). So if typing
 * regresses (a wrong name or a wrong use of `res.data` accepted), `tsc -b` fails. The tests then check
 * at run time that the values have the types the compiler gave them.
 */
import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { after, type Future, FuturesSession, type Response, type StreamResponse } from '@threadfetch/core';
import { type BackgroundServer, fixtures, startBackgroundServer } from './helpers.js';

type Callbacks = typeof import('./fixtures/callbacks.js');

let server: BackgroundServer;
let session: FuturesSession<Callbacks>;

before(async () => {
  server = await startBackgroundServer();
  session = new FuturesSession<Callbacks>({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
});
afterAll(async () => {
  await session.close();
  await server.close();
});

/** Type errors the compiler must find. Never called: only compiled. */
function mistakes(typed: FuturesSession<Callbacks>, untyped: FuturesSession, res: Response<{ status: number; sha256: string; bytes: number }>): void {
  // @ts-expect-error a background name the module does not export
  typed.get('/x', { background: 'sha512' });
  // @ts-expect-error names are case-sensitive
  typed.get('/x', { background: 'Sha256' });
  // @ts-expect-error res.data.sha256 is a string, not a number
  const hash: number = res.data.sha256;
  // @ts-expect-error res.data has no such field
  res.data.md5;
  // @ts-expect-error without background, res.data is undefined
  typed.get('/x').then((r) => r.data.length);
  // @ts-expect-error the built-in text gives a string
  typed.get('/x', { background: 'text' }).then((r): number => r.data);
  // @ts-expect-error a streaming callback's data is what it returns: countLines has no `total`
  typed.get('/x', { background: 'countLines' }).then((r) => r.data.total);
  // @ts-expect-error session.stream() takes no background
  typed.stream('/x', { background: 'sha256' });
  // @ts-expect-error a stream's body is a ReadableStream, not bytes
  typed.stream('/x').then((r): Uint8Array => r.body);
  // @ts-expect-error an untyped session types res.data as unknown: it must be narrowed before use
  untyped.get('/x', { background: 'anything' }).then((r) => r.data.toFixed());
  // @ts-expect-error after() gives make the dependencies' responses, typed: allPages has no `items`
  after([typed.get('/x', { background: 'allPages' })], ([pages]) => typed.get(`/p/${pages.data.items}`));
  void hash;
}

describe('typed callbacks', () => {
  it('the type errors are compiled in (the build would fail otherwise)', () => {
    assert.equal(typeof mistakes, 'function');
  });

  it('res.data has the type of what the callback returned, at run time too', async () => {
    const digest = await session.get('/download', { query: { size: 1_000 }, background: 'sha256' });
    const sha: string = digest.data.sha256;
    const bytes: number = digest.data.bytes;
    assert.equal(typeof sha, 'string');
    assert.equal(bytes, 1_000);

    const pages = await session.get('/pages/1', { background: 'allPages' });
    const total: number = pages.data.total;
    assert.equal(total, 165);

    const lines = await session.get('/lines/10', { background: 'countLines' });
    const count: number = lines.data.lines;
    assert.equal(count, 10);

    const text: string = (await session.get('/ok', { background: 'text' })).data;
    assert.equal(text, 'ok');
    const json: unknown = (await session.get('/pages/2', { background: 'json' })).data;
    assert.deepEqual(json, { items: [2, 20], next: '/pages/3' });
    const none: undefined = (await session.get('/ok')).data;
    assert.equal(none, undefined);
    const thread: number = (await session.get('/ok', { background: 'thread' })).data;
    assert.equal(typeof thread, 'number');
  });

  it('stream() resolves a StreamResponse; after() passes typed responses and returns a typed Future', async () => {
    const streamed: StreamResponse = await session.stream('/download', { query: { size: 1_000_000 } });
    const body: ReadableStream<Uint8Array> = streamed.body;
    let read = 0;
    for await (const chunk of body) read += chunk.byteLength;
    assert.equal(read, 1_000_000);

    const chained: Future<{ pages: number; total: number }> = after([session.get('/pages/4', { background: 'json' })], ([page]) => {
      const next: string = (page.data as { next: string }).next;
      return session.get(next, { background: 'allPages' });
    });
    const { pages, total } = (await chained).data;
    assert.deepEqual({ pages, total }, { pages: 1, total: 55 });
  });
});
