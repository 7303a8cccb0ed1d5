/** onProgress and saveTo: reported from the worker while the body downloads; files written by the worker. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type BackgroundServer, fixtures, pattern, sha256Of, startBackgroundServer } from './helpers.js';

let server: BackgroundServer;
let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;
let dir: string;

before(async () => {
  server = await startBackgroundServer();
  session = new FuturesSession<typeof import('./fixtures/callbacks.js')>({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
  dir = await mkdtemp(join(tmpdir(), 'threadfetch-save-'));
});
after(async () => {
  await session.close({ force: true });
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** What onProgress gets. */
interface Progress {
  loaded: number;
  total: number | undefined;
}

/** Loaded only grows, report after report. */
function assertGrowing(reports: readonly Progress[]): void {
  for (let i = 1; i < reports.length; i++) {
    assert.ok((reports[i]?.loaded ?? 0) > (reports[i - 1]?.loaded ?? 0), `report ${i}: ${JSON.stringify(reports.slice(i - 1, i + 1))}`);
  }
}

/** Polls an async condition until it holds; fails after `ms` (only a hang trips it). */
async function eventually(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await condition()); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('onProgress', () => {
  it('reports growing counts with the total from content-length, throttled, ending at the whole body', async () => {
    const reports: Progress[] = [];
    const size = 2_000_000;
    const chunks = Math.ceil(size / 32_768);
    const res = await session.get('/download', { query: { size, chunk: 32_768, pause: 5 }, onProgress: (p) => reports.push(p) });
    assert.equal(res.body.byteLength, size);
    assert.deepEqual(reports.at(-1), { loaded: size, total: size });
    assert.ok(reports.length >= 2, `reports while downloading: ${reports.length}`);
    assert.ok(reports.length < chunks / 2, `throttled: ${reports.length} reports for ${chunks} chunks`);
    assert.ok(reports.every((p) => p.total === size && p.loaded > 0 && p.loaded <= size));
    assertGrowing(reports);
  });

  it('reports total undefined when the server does not say (chunked)', async () => {
    const reports: Progress[] = [];
    await session.get('/download', { query: { size: 300_000, chunked: 1 }, onProgress: (p) => reports.push(p) });
    assert.deepEqual(reports.at(-1), { loaded: 300_000, total: undefined });
    assert.ok(reports.every((p) => p.total === undefined));
  });

  it('the last report arrives before the future resolves', async () => {
    let last = 0;
    const res = await session.get('/download', { query: { size: 100_000 }, onProgress: ({ loaded }) => (last = loaded) });
    assert.equal(last, res.body.byteLength);
  });

  it('reports the bytes written by saveTo', async () => {
    const reports: Progress[] = [];
    await session.get('/download', {
      query: { size: 1_500_000, chunk: 65_536, pause: 5 },
      saveTo: join(dir, 'progress.bin'),
      onProgress: (p) => reports.push(p),
    });
    assert.deepEqual(reports.at(-1), { loaded: 1_500_000, total: 1_500_000 });
    assertGrowing(reports);
  });

  it('reports the bytes a streaming callback reads', async () => {
    const reports: Progress[] = [];
    const res = await session.get('/download', {
      query: { size: 1_000_000, chunk: 65_536, pause: 5 },
      background: 'countBytes',
      onProgress: (p) => reports.push(p),
    });
    assert.equal(res.data, 1_000_000);
    assert.deepEqual(reports.at(-1), { loaded: 1_000_000, total: 1_000_000 });
  });

  it('with session.stream(), the last report has arrived when the body stream ends', async () => {
    const reports: Progress[] = [];
    const size = 3_000_000;
    const res = await session.stream('/download', { query: { size }, onProgress: (p) => reports.push(p) });
    let read = 0;
    for await (const chunk of res.body) read += chunk.byteLength;
    assert.equal(read, size);
    assert.deepEqual(reports.at(-1), { loaded: size, total: size });
  });

  it('with session.stream(), the reports reach the whole body', async () => {
    const reports: Progress[] = [];
    const size = 3_000_000;
    const res = await session.stream('/download', { query: { size, chunk: 65_536, pause: 2 }, onProgress: (p) => reports.push(p) });
    for await (const _chunk of res.body);
    await waitFor(() => reports.at(-1)?.loaded === size, 'the last report');
    assertGrowing(reports);
  });

  it('with session.stream(), a handler that throws after the headers errors the body with TF_ERR_CALLBACK_FAILED', async () => {
    const res = await session.stream('/download', {
      query: { size: 5_000_000, chunk: 65_536, pause: 5 },
      onProgress: ({ loaded }) => {
        if (loaded > 200_000) throw new Error('bar broke');
      },
    });
    await assert.rejects(
      (async () => {
        for await (const _chunk of res.body);
      })(),
      (e: ThreadfetchError) => e.code === 'TF_ERR_CALLBACK_FAILED' && /bar broke/.test(e.message),
    );
    assert.equal((await session.get('/ok')).status, 200);
  });

  it('a handler that throws fails the request with TF_ERR_CALLBACK_FAILED and stops the download', async () => {
    const query = { size: 5_000_000, chunk: 16_384, pause: 5 };
    const future = session.get('/download', {
      query,
      onProgress: () => {
        throw new Error('bar broke');
      },
    });
    await assert.rejects(future, (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(e.message, /bar broke/);
      assert.equal((e.cause as Error).message, 'bar broke');
      return true;
    });
    const key = `/download?size=${query.size}&chunk=${query.chunk}&pause=${query.pause}`;
    await waitFor(() => server.abandoned.has(key), 'the worker to abandon the download');
  });

  it('a handler that is not a function is a TypeError with code TF_ERR_INVALID_ARGUMENT, naming onProgress', async () => {
    for (const bad of ['yes', 1, {}, null]) {
      await assert.rejects(session.get('/ok', { onProgress: bad as never }), (e: ThreadfetchError) => {
        assert.ok(e instanceof TypeError, `${String(bad)}: ${e.name}`);
        assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT');
        assert.match(e.message, /onProgress/);
        return true;
      });
    }
  });
});

describe('saveTo', () => {
  it('writes the body to the file in the worker; res.body is empty', async () => {
    const file = join(dir, 'a.bin');
    const res = await session.get('/download', { query: { size: 3_000_000 }, saveTo: file });
    assert.equal(res.status, 200);
    assert.equal(res.body.byteLength, 0);
    assert.equal(sha256Of(await readFile(file)), sha256Of(pattern(0, 3_000_000)));
    assert.ok(
      (await readdir(dir)).every((name) => !name.startsWith('a.bin.')),
      'no temporary file left beside it',
    );
  });

  it('replaces a file that is there, and is not bound by maxResponseSize', async () => {
    const file = join(dir, 'replaced.bin');
    await writeFile(file, 'previous contents, longer than nothing');
    await session.get('/download', { query: { size: 200_000 }, saveTo: file, maxResponseSize: 1_000 });
    assert.equal(sha256Of(await readFile(file)), sha256Of(pattern(0, 200_000)));
  });

  it('takes a file URL too, with progress', async () => {
    const file = join(dir, 'b.bin');
    let loaded = 0;
    await session.get('/download', { query: { size: 500_000 }, saveTo: pathToFileURL(file), onProgress: (p) => (loaded = p.loaded) });
    assert.equal((await readFile(file)).byteLength, 500_000);
    assert.equal(loaded, 500_000);
  });

  it('a relative path is resolved against the current directory', async () => {
    const file = join(dir, 'relative.bin');
    const res = await session.get('/download', { query: { size: 70_000 }, saveTo: relative(process.cwd(), file) });
    assert.equal(res.body.byteLength, 0);
    assert.equal(sha256Of(await readFile(file)), sha256Of(pattern(0, 70_000)));
  });

  it('a path that is not a string or a file: URL is TF_ERR_INVALID_ARGUMENT, before anything is sent', async () => {
    const before = server.seen.length;
    for (const bad of ['', 42, new URL('http://127.0.0.1/x.bin'), {}]) {
      await assert.rejects(session.get('/ok', { saveTo: bad as never }), (e: ThreadfetchError) => {
        assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT', String(bad));
        assert.match(e.message, /saveTo/);
        return true;
      });
    }
    assert.equal(server.seen.length, before);
  });

  it('a path with a NUL byte is refused as bad input, before anything is sent', async () => {
    const before = server.seen.length;
    for (const bad of [join(dir, 'nul\0.bin'), pathToFileURL(join(dir, 'nul\0.bin')), new URL(`${pathToFileURL(dir).href}/nul%00.bin`)]) {
      await assert.rejects(session.get('/ok', { saveTo: bad }), (e: ThreadfetchError) => {
        assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT', String(bad));
        assert.match(e.message, /saveTo must be a path without NUL bytes/);
        return true;
      });
    }
    assert.equal(server.seen.length, before, 'nothing was sent');
  });

  it('a file: URL that names no local path (a host, an encoded "/") is refused as bad input', async () => {
    const before = server.seen.length;
    for (const bad of [new URL('file://elsewhere/x.bin'), new URL(`${pathToFileURL(dir).href}/a%2Fb.bin`)]) {
      await assert.rejects(session.get('/ok', { saveTo: bad }), (e: ThreadfetchError) => {
        assert.equal(e.code, 'TF_ERR_INVALID_ARGUMENT', bad.href);
        assert.match(e.message, /saveTo: .* is not the file: URL of a local path/);
        return true;
      });
    }
    assert.equal(server.seen.length, before, 'nothing was sent');
  });

  it('a folder that does not exist fails with TF_ERR_SAVE_FAILED naming the path, Node’s error as cause', async () => {
    const file = join(dir, 'missing', 'c.bin');
    await assert.rejects(session.get('/download', { query: { size: 1000 }, saveTo: file }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_SAVE_FAILED');
      assert.equal(e.name, 'SaveFailedError');
      assert.ok(e.message.includes(file), e.message);
      assert.equal((e.cause as { code?: string }).code, 'ENOENT');
      return true;
    });
  });

  it('a path that is a folder fails with TF_ERR_SAVE_FAILED and leaves the folder and no partial file', async () => {
    const folder = join(dir, 'a-folder');
    await mkdir(folder);
    const listed = await readdir(dir);
    await assert.rejects(session.get('/download', { query: { size: 100_000 }, saveTo: folder }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_SAVE_FAILED');
      assert.ok(e.message.includes(folder), e.message);
      assert.equal(typeof (e.cause as { code?: string }).code, 'string');
      return true;
    });
    assert.deepEqual(await readdir(folder), []);
    assert.deepEqual((await readdir(dir)).sort(), listed.sort());
  });

  it('a download cut mid-body leaves the earlier file untouched and no partial file behind', async () => {
    const file = join(dir, 'd.bin');
    await writeFile(file, 'previous contents');
    const listed = await readdir(dir);
    await assert.rejects(session.get('/download', { query: { size: 1_000_000, chunk: 65_536, cut: 196_608 }, saveTo: file }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_BODY_INCOMPLETE');
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), 'previous contents');
    assert.deepEqual((await readdir(dir)).sort(), listed.sort());
  });

  it('a download cancelled mid-body never shows at the path and leaves nothing behind', async () => {
    const file = join(dir, 'cancelled.bin');
    const query = { size: 20_000_000, chunk: 65_536, pause: 5 };
    const key = `/download?size=${query.size}&chunk=${query.chunk}&pause=${query.pause}`;
    const listed = await readdir(dir);
    const future = session.get('/download', { query, saveTo: file });
    await waitFor(() => (server.written.get(key) ?? 0) > 500_000, 'the download to be under way');
    assert.equal((await readdir(dir)).includes('cancelled.bin'), false, 'half a body never shows at the path');
    assert.equal(future.cancel(), true);
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await waitFor(() => server.abandoned.has(key), 'the worker to abandon the download');
    // The worker removes its temporary file once the write stream has closed: poll the folder until it has.
    await eventually(async () => (await readdir(dir)).length === listed.length, 'the temporary file to be removed');
    assert.deepEqual((await readdir(dir)).sort(), listed.sort());
  });

  it('close({ force: true }) during a download leaves nothing behind', async () => {
    const own = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
    const query = { size: 20_000_000, chunk: 65_536, pause: 5, tag: 'force' };
    const key = `/download?size=${query.size}&chunk=${query.chunk}&pause=${query.pause}&tag=force`;
    const listed = await readdir(dir);
    const future = own.get('/download', { query, saveTo: join(dir, 'forced.bin') });
    await waitFor(() => (server.written.get(key) ?? 0) > 500_000, 'the download to be under way');
    await own.close({ force: true });
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    await eventually(async () => (await readdir(dir)).length === listed.length, 'the temporary file to be removed', 3_000).catch(() => undefined);
    assert.deepEqual((await readdir(dir)).sort(), listed.sort());
  });

  it('a worker crash during a download leaves nothing behind', async () => {
    const query = { size: 20_000_000, chunk: 65_536, pause: 5, tag: 'crash' };
    const key = `/download?size=${query.size}&chunk=${query.chunk}&pause=${query.pause}&tag=crash`;
    const listed = await readdir(dir);
    const future = session.get('/download', { query, saveTo: join(dir, 'crashed.bin') });
    await waitFor(() => (server.written.get(key) ?? 0) > 500_000, 'the download to be under way');
    await assert.rejects(session.get('/ok', { background: 'exits' }), (e: ThreadfetchError) => e.code === 'TF_ERR_WORKER_CRASHED');
    await assert.rejects(future, (e: ThreadfetchError) => e.code === 'TF_ERR_WORKER_CRASHED');
    await eventually(async () => (await readdir(dir)).length === listed.length, 'the temporary file to be removed', 3_000).catch(() => undefined);
    assert.deepEqual((await readdir(dir)).sort(), listed.sort());
  });

  it('saveTo with a non-streaming background is TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.get('/ok', { saveTo: join(dir, 'e.bin'), background: 'json' }), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });
});
