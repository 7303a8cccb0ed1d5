/**
 * Multipart FormData bodies: text parts cross to the worker as strings; a form with Blob parts is
 * encoded on the main thread and read whole by the worker; sent as multipart/form-data.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Origin, rejectsWith, sendJson, startHttp } from './helpers.js';

interface Part {
  readonly name: string;
  readonly text?: string;
  readonly file?: string;
  readonly type?: string;
  readonly size?: number;
  readonly sha256?: string;
}

let origin: Origin;
let session: FuturesSession;
/** /flaky answers 503 once, then parses as /form does. */
let failedOnce = false;

before(async () => {
  origin = await startHttp(async (req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/flaky' && !failedOnce) {
      failedOnce = true;
      res.writeHead(503).end('try again');
    } else if (url.pathname === '/form' || url.pathname === '/flaky') {
      // Parsed as a server framework would: with the WHATWG Response (Node's own undici).
      const form = await new Response(seen.body, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
      const parts: Part[] = [];
      for (const [name, value] of form) {
        if (typeof value === 'string') parts.push({ name, text: value });
        else {
          const bytes = new Uint8Array(await value.arrayBuffer());
          parts.push({ name, file: value.name, type: value.type, size: bytes.byteLength, sha256: sha256(bytes) });
        }
      }
      sendJson(res, { method: req.method, parts });
    } else if (url.pathname === '/moved') {
      res.writeHead(Number(url.searchParams.get('status')), { location: url.searchParams.get('to') ?? '/form' }).end();
    } else sendJson(res, { method: req.method, bytes: seen.body.byteLength });
  });
  session = new FuturesSession({ baseURL: origin.url, maxWorkers: 1 });
});
after(async () => {
  await session.close();
  await origin.close();
});

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const partsOf = (res: { json<T>(): T }) => res.json<{ parts: Part[] }>().parts;

describe('multipart bodies (FormData)', () => {
  it('sends text and file parts with names and types; every byte value of a binary file intact (the seeds: multipart bytes)', async () => {
    const form = new FormData();
    form.append('title', 'report');
    const bytes = new Uint8Array(256).map((_, i) => i); // CR, LF, '-' and NUL included
    form.append('file', new File([bytes], 'data.bin', { type: 'application/octet-stream' }));
    form.append('note', new Blob(['plain'], { type: 'text/plain' }));
    const res = await session.post('/form', { body: form });
    assert.deepEqual(partsOf(res), [
      { name: 'title', text: 'report' },
      { name: 'file', file: 'data.bin', type: 'application/octet-stream', size: 256, sha256: sha256(bytes) },
      { name: 'note', file: 'blob', type: 'text/plain', size: 5, sha256: sha256('plain') },
    ]);
    const contentType = String(origin.seen.at(-1)?.headers['content-type']);
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(contentType)?.[1];
    assert.ok(boundary, contentType);
    assert.ok(origin.seen.at(-1)?.body.toString('latin1').endsWith(`--${boundary}--\r\n`), 'the body closes with its boundary');
  });

  it('a 4 MiB random file arrives byte for byte; repeated names, empty values and an empty file keep their order', async () => {
    const big = randomBytes(4 * 1024 * 1024);
    const form = new FormData();
    form.append('tag', 'a');
    form.append('upload', new File([big], 'random.bin'));
    form.append('tag', '');
    form.append('tag', 'c');
    form.append('empty', new File([], 'empty.txt', { type: 'text/plain' }));
    const res = await session.put('/form', { body: form });
    assert.deepEqual(partsOf(res), [
      { name: 'tag', text: 'a' },
      { name: 'upload', file: 'random.bin', type: 'application/octet-stream', size: big.byteLength, sha256: sha256(big) },
      { name: 'tag', text: '' },
      { name: 'tag', text: 'c' },
      { name: 'empty', file: 'empty.txt', type: 'text/plain', size: 0, sha256: sha256('') },
    ]);
  });

  it('names and file names outside ASCII, and with quotes, come through', async () => {
    const form = new FormData();
    form.append('città', 'Zürich ✓');
    form.append('doc', new File(['x'], 'résumé "final".txt'));
    const parts = partsOf(await session.post('/form', { body: form }));
    assert.deepEqual(
      parts.map((p) => [p.name, p.text ?? p.file]),
      [
        ['città', 'Zürich ✓'],
        ['doc', 'résumé "final".txt'],
      ],
    );
  });

  it("a file's Blob (fs.openAsBlob) as a part arrives whole, and a 307 sends it again (read where it was made, never in a worker)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'threadfetch-form-'));
    try {
      const bytes = randomBytes(300_000);
      const path = join(dir, 'doc.bin');
      await writeFile(path, bytes);
      const form = new FormData();
      form.append('k', 'v');
      form.append('doc', await openAsBlob(path), 'doc.bin');
      form.append('copy', new Blob([await openAsBlob(path)], { type: 'application/x-copy' }));
      const res = await session.post('/moved?status=307', { body: form });
      assert.equal(res.redirected, true);
      assert.deepEqual(partsOf(res), [
        { name: 'k', text: 'v' },
        { name: 'doc', file: 'doc.bin', type: 'application/octet-stream', size: bytes.byteLength, sha256: sha256(bytes) },
        { name: 'copy', file: 'blob', type: 'application/x-copy', size: bytes.byteLength, sha256: sha256(bytes) },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an empty FormData is a valid multipart body with no parts', async () => {
    assert.deepEqual(partsOf(await session.post('/form', { body: new FormData() })), []);
  });

  it('a 307 re-sends the multipart body (it can be encoded again); a 303 turns the POST into a GET without it', async () => {
    const form = new FormData();
    form.append('k', 'v');
    form.append('f', new File(['bytes'], 'f.txt'));
    const kept = await session.post('/moved?status=307', { body: form });
    assert.equal(kept.redirected, true);
    assert.deepEqual(
      partsOf(kept).map((p) => p.name),
      ['k', 'f'],
    );
    const dropped = await session.post('/moved?status=303&to=/echo', { body: form });
    assert.deepEqual(dropped.json(), { method: 'GET', bytes: 0 });
    assert.equal(origin.seen.at(-1)?.headers['content-type'], undefined, 'no multipart content-type on the GET');
  });

  it('with a cookie jar (redirects followed hop by hop) a 307 re-sends the multipart body too', async () => {
    const jarSession = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, cookies: true });
    try {
      const form = new FormData();
      form.append('f', new File([new Uint8Array([0, 255])], 'two.bin'));
      const res = await jarSession.post('/moved?status=307', { body: form });
      assert.equal(res.url, `${origin.url}/form`);
      assert.deepEqual(partsOf(res), [{ name: 'f', file: 'two.bin', type: 'application/octet-stream', size: 2, sha256: sha256(new Uint8Array([0, 255])) }]);
    } finally {
      await jarSession.close();
    }
  });

  it('a retried request sends the multipart body again, whole', async () => {
    const retrying = new FuturesSession({ baseURL: origin.url, maxWorkers: 1, retry: { limit: 2, delay: 1, statusCodes: [503] } });
    try {
      const form = new FormData();
      form.append('f', new File([new Uint8Array([1, 2, 3])], 'three.bin'));
      const res = await retrying.put('/flaky', { body: form });
      assert.equal(res.status, 200);
      assert.equal(origin.seen.filter((s) => s.url === '/flaky').length, 2);
      assert.deepEqual(
        partsOf(res).map((p) => [p.name, p.file, p.size]),
        [['f', 'three.bin', 3]],
      );
    } finally {
      await retrying.close();
    }
  });

  it('a content-type header with a FormData body is TF_ERR_INVALID_ARGUMENT (the boundary must match)', async () => {
    await rejectsWith(
      session.post('/form', { body: new FormData(), headers: { 'content-type': 'multipart/form-data' } }),
      'TF_ERR_INVALID_ARGUMENT',
      /boundary/,
    );
  });
});
