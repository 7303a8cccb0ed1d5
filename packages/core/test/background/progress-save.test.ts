/** onProgress and saveTo: reported from the worker while the body downloads; files written by the worker. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { type BackgroundServer, pattern, sha256Of, startBackgroundServer } from './helpers.js';

let server: BackgroundServer;
let session: FuturesSession;
let dir: string;

before(async () => {
  server = await startBackgroundServer();
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
  dir = await mkdtemp(join(tmpdir(), 'threadfetch-save-'));
});
after(async () => {
  await session.close({ force: true });
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('onProgress', () => {
  it('reports growing counts with the total from content-length, throttled, ending at the whole body', async () => {
    const reports: { loaded: number; total: number | undefined }[] = [];
    const size = 2_000_000;
    const res = await session.get('/download', { query: { size, chunk: 32_768, pause: 5 }, onProgress: (p) => reports.push(p) });
    assert.equal(res.body.byteLength, size);
    assert.deepEqual(reports.at(-1), { loaded: size, total: size });
    assert.ok(reports.length >= 2, `reports while downloading: ${reports.length}`);
    assert.ok(reports.length < size / 32_768, 'throttled: fewer reports than chunks');
    for (let i = 1; i < reports.length; i++) assert.ok((reports[i]?.loaded ?? 0) > (reports[i - 1]?.loaded ?? 0));
  });

  it('reports total undefined when the server does not say (chunked)', async () => {
    const reports: { loaded: number; total: number | undefined }[] = [];
    await session.get('/download', { query: { size: 300_000, chunked: 1 }, onProgress: (p) => reports.push(p) });
    assert.deepEqual(reports.at(-1), { loaded: 300_000, total: undefined });
  });

  it('the last report arrives before the future resolves', async () => {
    let last = 0;
    const res = await session.get('/download', { query: { size: 100_000 }, onProgress: ({ loaded }) => (last = loaded) });
    assert.equal(last, res.body.byteLength);
  });

  it('a handler that throws fails the request with TF_ERR_CALLBACK_FAILED', async () => {
    const future = session.get('/download', {
      query: { size: 1_000_000, chunk: 16_384, pause: 5 },
      onProgress: () => {
        throw new Error('bar broke');
      },
    });
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_CALLBACK_FAILED' && /bar broke/.test(e.message));
  });

  it('a handler that is not a function is TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.get('/ok', { onProgress: 'yes' as never }), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });
});

describe('saveTo', () => {
  it('writes the body to the file in the worker; res.body is empty', async () => {
    const file = join(dir, 'a.bin');
    const res = await session.get('/download', { query: { size: 3_000_000 }, saveTo: file });
    assert.equal(res.body.byteLength, 0);
    assert.equal(sha256Of(await readFile(file)), sha256Of(pattern(0, 3_000_000)));
  });

  it('takes a file URL too, with progress', async () => {
    const file = join(dir, 'b.bin');
    let loaded = 0;
    await session.get('/download', { query: { size: 500_000 }, saveTo: pathToFileURL(file), onProgress: (p) => (loaded = p.loaded) });
    assert.equal((await readFile(file)).byteLength, 500_000);
    assert.equal(loaded, 500_000);
  });

  it('a folder that does not exist fails with TF_ERR_SAVE_FAILED naming the path', async () => {
    const file = join(dir, 'missing', 'c.bin');
    await assert.rejects(session.get('/download', { query: { size: 1000 }, saveTo: file }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_SAVE_FAILED');
      assert.ok(e.message.includes(file), e.message);
      assert.equal((e.cause as { code?: string }).code, 'ENOENT');
      return true;
    });
  });

  it('a download cut mid-body leaves the earlier file untouched and no partial file behind', async () => {
    const file = join(dir, 'd.bin');
    await writeFile(file, 'previous contents');
    await assert.rejects(session.get('/download', { query: { size: 1_000_000, chunk: 65_536, cut: 196_608 }, saveTo: file }), (e: ThreadfetchError) =>
      e.code.startsWith('TF_ERR_'),
    );
    assert.equal(await readFile(file, 'utf8'), 'previous contents');
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.includes('.partial')),
      [],
    );
  });

  it('saveTo with background is TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.get('/ok', { saveTo: join(dir, 'e.bin'), background: 'json' }), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });
});
