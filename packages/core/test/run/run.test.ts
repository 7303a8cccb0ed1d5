/** session.run(): a callbacks module's export on a worker thread, its errors, bytes, deadline, cancel and context. */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { threadId as mainThreadId } from 'node:worker_threads';
import { channels, FuturesSession } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';

type Runs = typeof import('./fixtures/runs.js');
const runs = new URL('./fixtures/runs.js', import.meta.url);

let server: TestServer;
let session: FuturesSession<Runs>;

before(async () => {
  server = await startServer({ '/json': (_req, res) => sendJson(res, { from: 'server' }) });
  session = new FuturesSession<Runs>({ baseURL: server.url, callbacks: runs, maxWorkers: 1 });
});

after(async () => {
  await session.close({ force: true });
  await server.close();
});

describe('session.run', () => {
  it('runs the export on a worker thread and resolves with its awaited value', async () => {
    assert.equal(await session.run('add', 2, 3), 5);
    assert.equal(await session.run('upper', 'abc'), 'ABC');
    assert.notEqual(await session.run('threadId'), mainThreadId);
  });

  it('a thrown error is TF_ERR_CALLBACK_FAILED with its message, the original as cause', async () => {
    const future = session.run('fails', 'no such item');
    await assert.rejects(future, (error: Error & { code?: string; cause?: Error }) => {
      assert.equal(error.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(error.message, /run "fails" failed: no such item/);
      assert.equal(error.cause?.name, 'RangeError');
      return true;
    });
    assert.equal(future.error?.name, 'CallbackError');
  });

  it('an unknown name is TF_ERR_UNKNOWN_CALLBACK, naming the exports; so is any name without a callbacks module', async () => {
    const untyped = session as unknown as FuturesSession;
    await assert.rejects(untyped.run('nope'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TF_ERR_UNKNOWN_CALLBACK');
      assert.match(error.message, /"nope" is not a function exported by .*exported functions: .*add/);
      return true;
    });
    const bare = new FuturesSession({ executor: session.executor });
    try {
      await assert.rejects(bare.run('add', 1, 2), { code: 'TF_ERR_UNKNOWN_CALLBACK' });
    } finally {
      await bare.close();
    }
  });

  it('an argument that cannot be cloned rejects with TF_ERR_INVALID_ARGUMENT naming it, never a synchronous throw', async () => {
    const untyped = session as unknown as FuturesSession;
    const fn = untyped.run('add', 1, () => 2);
    await assert.rejects(fn, (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TF_ERR_INVALID_ARGUMENT');
      assert.match(error.message, /run\("add"\): argument 1 \(a function\) cannot be sent to a worker/);
      return true;
    });
    await assert.rejects(untyped.run('add', Promise.resolve(1), 2), /argument 0 \(a Promise; pass a Future\)/);
    const nested = untyped.run('add', { value: [session.run('add', 1, 1)] }, 2);
    await assert.rejects(nested, /run\("add"\): argument 0.value\[0\] is a Future; only futures passed as arguments themselves are awaited/);
    await assert.rejects(untyped.run(42 as unknown as string), { code: 'TF_ERR_INVALID_ARGUMENT' });
    await assert.rejects(untyped.runWith({ timout: 5 } as never, 'add', 1, 2), /unknown run option "timout"/);
    await assert.rejects(untyped.runWith({ timeout: -1 }, 'add', 1, 2), { code: 'TF_ERR_INVALID_ARGUMENT' });
  });

  it('a value that cannot come back fails the run with TF_ERR_CALLBACK_FAILED', async () => {
    await assert.rejects(session.run('returnsFunction'), { code: 'TF_ERR_CALLBACK_FAILED' });
  });

  it('bytes in the arguments are moved to the worker, and bytes in the result moved back', async () => {
    const input = new Uint8Array(1 << 20).fill(1);
    const future = session.run('increment', input);
    // Moved when the run was handed to its worker: detached here, not copied.
    const result = await future;
    assert.equal(input.byteLength, 0);
    assert.deepEqual({ length: result.length, sum: result.sum }, { length: 1 << 20, sum: 1 << 20 });
    assert.ok(result.out instanceof Uint8Array);
    assert.equal(result.out.byteLength, 1 << 20);
    assert.equal(result.out[0], 2);
  });

  it('a part of a larger buffer is copied, not moved: the rest of the buffer stays usable', async () => {
    const whole = new Uint8Array(64).fill(7);
    const result = await session.run('increment', whole.subarray(0, 8));
    assert.equal(whole.byteLength, 64);
    assert.deepEqual({ length: result.length, sum: result.sum }, { length: 8, sum: 56 });
  });

  it('timeout: past it the run fails with TF_ERR_TIMEOUT and this.signal aborts', async () => {
    const future = session.runWith({ timeout: 100 }, 'waitForAbort');
    await assert.rejects(future, { code: 'TF_ERR_TIMEOUT' });
    assert.match(future.error?.message ?? '', /run did not complete within 100 ms \(RUN waitForAbort\)/);
    assert.equal(await session.run('add', 1, 1), 2, 'the worker goes on');
  });

  it('cancel() and a signal abort a running run with TF_ERR_ABORTED; the worker goes on', async () => {
    const future = session.run('waitForAbort');
    assert.equal(await session.run('add', 0, 0), 0, 'the first run is on the worker by now');
    assert.equal(future.cancel(), true);
    await assert.rejects(future, { code: 'TF_ERR_ABORTED' });
    assert.equal(future.cancelled, true);
    assert.equal(future.cancel(), false, 'done: a second cancel takes no effect');
    const controller = new AbortController();
    const signalled = session.runWith({ signal: controller.signal }, 'waitForAbort');
    controller.abort(new Error('stop'));
    await assert.rejects(signalled, { code: 'TF_ERR_ABORTED' });
    assert.equal(await session.run('add', 1, 2), 3);
  });

  it('this.hooks calls the caller on the main thread; this.request makes a follow-up from the worker', async () => {
    const notes: string[] = [];
    const hooks = {
      note(value: string) {
        notes.push(value);
        return `noted ${value}`;
      },
    };
    assert.equal(await session.runWith({ hooks }, 'viaHook', 'x'), 'noted x');
    assert.deepEqual(notes, ['x']);
    assert.deepEqual(await session.run('fetchJson', '/json'), { from: 'server' }, 'relative to the session baseURL');
  });

  it('a worker that dies fails its run with TF_ERR_WORKER_CRASHED; the run is not repeated', async () => {
    const own = new FuturesSession<Runs>({ callbacks: runs, maxWorkers: 1 });
    try {
      await assert.rejects(own.run('exits'), { code: 'TF_ERR_WORKER_CRASHED' });
      assert.equal(own.stats().crashRetried, 0);
      assert.equal(await own.run('add', 2, 2), 4, 'a replacement worker takes runs');
    } finally {
      await own.close();
    }
  });

  it('the stuck-callback rules apply: a run that never settles lets its slot go; one that blocks gets its worker replaced', async () => {
    const own = new FuturesSession<Runs>({ callbacks: runs, maxWorkers: 1, concurrencyPerWorker: 1, terminateGrace: 300 });
    try {
      const thread = await own.run('threadId');
      await assert.rejects(own.runWith({ timeout: 200 }, 'neverSettles'), { code: 'TF_ERR_TIMEOUT' });
      assert.equal(await own.run('threadId'), thread, 'the only slot is free again, on the same worker');
      await assert.rejects(own.runWith({ timeout: 200 }, 'blocks'), { code: 'TF_ERR_TIMEOUT' });
      assert.notEqual(await own.run('threadId'), thread, 'a new worker runs the next one');
      assert.equal(own.stats().workersTerminated, 1);
    } finally {
      await own.close();
    }
  });

  it('a closed session rejects runs with TF_ERR_SESSION_CLOSED; close() waits for runs', async () => {
    const own = new FuturesSession<Runs>({ callbacks: runs, maxWorkers: 1 });
    const running = own.run('upper', 'drained');
    const closing = own.close();
    await assert.rejects(own.run('add', 1, 2), { code: 'TF_ERR_SESSION_CLOSED' });
    await closing;
    assert.equal(running.done, true);
    assert.equal(await running, 'DRAINED');
  });
});

describe('session.run diagnostics', () => {
  it('publishes create, start and end (or error) as { method: RUN, url: name }', async () => {
    const seen: string[] = [];
    const listeners = Object.entries({ create: channels.create, start: channels.start, end: channels.end, error: channels.error }).map(([what, name]) => {
      const listener = (message: unknown) => {
        const { request } = message as { request: { method: string; url: string } };
        if (request.method === 'RUN') seen.push(`${what} ${request.url}`);
      };
      diagnosticsChannel.subscribe(name, listener);
      return () => diagnosticsChannel.unsubscribe(name, listener);
    });
    try {
      await session.run('add', 1, 2);
      await assert.rejects(session.run('fails', 'x'));
    } finally {
      for (const off of listeners) off();
    }
    assert.deepEqual(seen, ['create add', 'start add', 'end add', 'create fails', 'start fails', 'error fails']);
  });
});
