/**
 * A stream whose body is still being read when its worker goes away: close() (which drains open streams),
 * close({ force }), a crash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type BackgroundServer, fixtures, startBackgroundServer } from './helpers.js';

let server: BackgroundServer;

before(async () => {
  server = await startBackgroundServer();
});
after(() => server.close());

/** A session with one worker and a stream of a 5 MB body coming slowly, read until `stopAt` bytes. */
async function readingStream(stopAt: number) {
  const session = new FuturesSession<typeof import('./fixtures/callbacks.js')>({ baseURL: server.url, maxWorkers: 1, callbacks: fixtures });
  const res = await session.stream('/download', { query: { size: 5_000_000, chunk: 65_536, pause: 5 } });
  const reader = res.body.getReader();
  let read = 0;
  let reading = true;
  const outcome = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) read += r.value.byteLength;
    return 'ended' as const;
  })().finally(() => (reading = false));
  outcome.catch(() => undefined);
  await waitFor(() => read >= stopAt || !reading, 'the first bytes');
  return { session, outcome, read: () => read };
}

/** What became of the reader: its error, or 'ended'; 'still reading' if neither came within 5 s (normally milliseconds). */
function settledWithin<T>(outcome: Promise<T>): Promise<T | Error | 'still reading'> {
  return Promise.race([outcome.catch((error: Error) => error), sleep(5_000).then(() => 'still reading' as const)]);
}

describe('a stream outlived by its worker', () => {
  it('close() while the body is read: close() drains it, the reader gets the whole body', async () => {
    const { session, outcome, read } = await readingStream(500_000);
    await session.close();
    // close() returned: the body had ended (its last chunks may still be queued for the reader).
    const result = await settledWithin(outcome);
    assert.equal(result, 'ended', `after ${read()} bytes: ${String(result)}`);
    assert.equal(read(), 5_000_000);
  });

  it('close({ timeout }) with a stream nobody reads: the drain gives up, the body errors with TF_ERR_ABORTED', async () => {
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
    const res = await session.stream('/download', { query: { size: 5_000_000, chunk: 65_536 } });
    await session.close({ timeout: 100 });
    const reader = res.body.getReader();
    const result = await settledWithin(
      (async () => {
        while (!(await reader.read()).done);
        return 'ended' as const;
      })(),
    );
    assert.equal((result as ThreadfetchError).code, 'TF_ERR_ABORTED', String(result));
  });

  it('a stream rejected before its head (its signal aborted already) does not hold close()', async () => {
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
    await assert.rejects(session.stream('/ok', { signal: AbortSignal.abort() }), (e: ThreadfetchError) => e.code === 'TF_ERR_ABORTED');
    assert.equal(await settledWithin(session.close().then(() => 'ended' as const)), 'ended');
  });

  it('close({ force: true }) while the body is read: the stream errors with TF_ERR_ABORTED', async () => {
    const { session, outcome } = await readingStream(500_000);
    await session.close({ force: true });
    const result = await settledWithin(outcome);
    assert.equal((result as ThreadfetchError).code, 'TF_ERR_ABORTED', String(result));
  });

  it('its worker crashing while the body is read: the stream errors with TF_ERR_WORKER_CRASHED', async () => {
    const { session, outcome } = await readingStream(500_000);
    try {
      await assert.rejects(session.get('/ok', { background: 'exits' }), (e: ThreadfetchError) => e.code === 'TF_ERR_WORKER_CRASHED');
      const result = await settledWithin(outcome);
      assert.equal((result as ThreadfetchError).code, 'TF_ERR_WORKER_CRASHED', String(result));
    } finally {
      await session.close({ force: true });
    }
  });

  it('a stream read to its end before close() is unaffected', async () => {
    const { session, outcome, read } = await readingStream(Number.POSITIVE_INFINITY);
    assert.equal(await outcome, 'ended');
    assert.equal(read(), 5_000_000);
    await session.close();
  });
});

describe('close() waiting for a stream nobody reads', () => {
  it('warns after warnAfter, naming the stream; cancelling the body lets close() end', async () => {
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if ((warning as { code?: string }).code === 'TF_WARN_CLOSE_WAITING') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const res = await session.stream('/download', { query: { size: 5_000_000, chunk: 65_536 } });
      let closed = false;
      const closing = session.close({ warnAfter: 100 }).then(() => (closed = true));
      await waitFor(() => warnings.length === 1, 'the warning');
      assert.match(warnings[0]?.message ?? '', /waited 100 ms for 1 request\(s\), 1 of them session\.stream\(\) bodies/);
      assert.ok(warnings[0]?.message.includes(`GET ${server.url}/download`), warnings[0]?.message);
      assert.equal(closed, false, 'still waiting: the body is neither read nor cancelled');
      await res.body.cancel();
      await closing;
      assert.equal(warnings.length, 1, 'one warning');
    } finally {
      process.off('warning', onWarning);
      await session.close({ force: true });
    }
  });

  it('close() options are validated: the promise rejects with TF_ERR_INVALID_ARGUMENT', async () => {
    const session = new FuturesSession({ maxWorkers: 1 });
    for (const bad of [{ warnAfter: -1 }, { timeout: '100' }, { force: 1 }, { forse: true }, null]) {
      await assert.rejects(session.close(bad as never), { code: 'TF_ERR_INVALID_ARGUMENT' }, JSON.stringify(bad));
    }
    await session.close();
  });
});
