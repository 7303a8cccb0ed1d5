/** ctx.hooks: functions the caller passes with the request, called from the worker, run on the main thread (comlink). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';
import { type ThreadfetchError, UnknownHookError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type BackgroundServer, type FixtureSession, withFixtureSession } from './helpers.js';

let server: BackgroundServer;
let session: FixtureSession;
withFixtureSession((s, f) => {
  server = s;
  session = f;
});

/** MessagePorts that keep this process alive now. */
const openPorts = () => process.getActiveResourcesInfo().filter((name) => name === 'MessagePort').length;

describe('ctx.hooks', () => {
  it('runs the caller’s functions on the main thread, with arguments and results cloned', async () => {
    const seen: unknown[] = [];
    const threads: number[] = [];
    const res = await session.get('/ok', {
      background: 'notes',
      hooks: {
        note: (x: unknown) => {
          assert.ok(isMainThread);
          threads.push(threadId);
          seen.push(x);
          return seen.length;
        },
      },
    });
    assert.deepEqual(seen, ['status 200', { bytes: 2 }]);
    assert.deepEqual(threads, [0, 0]);
    assert.deepEqual(res.data, [1, 2]);
  });

  it('an async hook is awaited; its resolved value is what the worker gets', async () => {
    const res = await session.get('/ok', { background: 'notes', hooks: { note: async (x: unknown) => ({ echoed: x }) } });
    assert.deepEqual(res.data, [{ echoed: 'status 200' }, { echoed: { bytes: 2 } }]);
  });

  it('a hook that throws rejects the call in the worker, where the callback can catch it', async () => {
    const res = await session.get('/ok', {
      background: 'hookFails',
      hooks: {
        boom: () => {
          throw new Error('no disk');
        },
      },
    });
    assert.equal(res.data, 'caught: no disk');
  });

  it('a hook error the callback does not catch fails the request with TF_ERR_CALLBACK_FAILED, the hook’s error as cause', async () => {
    const future = session.get('/ok', {
      background: 'uncaughtHook',
      hooks: {
        boom: () => {
          throw new RangeError('quota exceeded');
        },
      },
    });
    await assert.rejects(future, (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(e.message, /uncaughtHook/);
      assert.equal((e.cause as Error).name, 'RangeError');
      assert.equal((e.cause as Error).message, 'quota exceeded');
      return true;
    });
  });

  it('calling a hook when the request passed none fails the request, naming the hook', async () => {
    await assert.rejects(session.get('/ok', { background: 'missingHook' }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(e.message, /absent/);
      assert.equal((e.cause as ThreadfetchError).code, 'TF_ERR_UNKNOWN_HOOK');
      assert.match((e.cause as Error).message, /no hook "absent" was passed with the request \(the request passed no hooks\)/);
      return true;
    });
  });

  it('calling a hook the request did not pass (it passed others) fails the request, naming the hook', async () => {
    await assert.rejects(session.get('/ok', { background: 'missingHook', hooks: { note: () => 1, log: () => 2 } }), (e: ThreadfetchError) => {
      assert.equal(e.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(e.message, /absent/);
      assert.ok(e.cause instanceof UnknownHookError, String(e.cause));
      assert.equal(e.cause.code, 'TF_ERR_UNKNOWN_HOOK');
      assert.match(e.cause.message, /ctx\.hooks\.absent\(\): no hook "absent" was passed with the request \(hooks passed: note, log\)/);
      return true;
    });
  });

  it('ctx.hooks has exactly the hooks the request passed: Object.keys and `in` tell them', async () => {
    const withNote = await session.get('/ok', { background: 'hookNames', hooks: { note: () => 1 } });
    assert.deepEqual(withNote.data, { keys: ['note'], hasNote: true, hasAbsent: false });
    assert.deepEqual((await session.get('/ok', { background: 'hookNames' })).data, { keys: [], hasNote: false, hasAbsent: false });
  });

  it('a hook returning what cannot be cloned fails the request, not the worker', async () => {
    await assert.rejects(
      session.get('/ok', { background: 'notes', hooks: { note: () => () => 'a function' } }),
      (e: ThreadfetchError) => e.code === 'TF_ERR_CALLBACK_FAILED',
    );
    assert.equal((await session.get('/ok')).status, 200);
  });

  it('hooks must be a record of functions: TF_ERR_INVALID_ARGUMENT', async () => {
    await assert.rejects(session.get('/ok', { hooks: { note: 'not a function' } as never }), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
    await assert.rejects(session.get('/ok', { hooks: [] as never }), (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT');
  });

  it('many requests with hooks: every channel is closed once they settle', async () => {
    const idle = openPorts();
    const futures = Array.from({ length: 200 }, (_, i) => session.get('/ok', { background: 'notes', hooks: { note: () => i } }));
    assert.ok(openPorts() > idle, 'the hooks channels are open while their requests run');
    const results = await Promise.all(futures);
    assert.deepEqual(
      results.map((res) => res.data),
      results.map((_, i) => [i, i]),
    );
    // Failed and cancelled ones too.
    const failing = session.get('/ok', { background: 'uncaughtHook', hooks: { boom: () => Promise.reject(new Error('x')) } });
    const cancelled = session.get('/hold', { background: 'notes', hooks: { note: () => 0 } });
    cancelled.cancel();
    await Promise.allSettled([failing, cancelled]);
    // The cancelled request's future settles at once; its worker's answer, which frees the lane (a
    // port ref'd while it carries work), comes a moment later. A leaked channel never goes away.
    await waitFor(() => openPorts() <= idle, `MessagePorts keeping the process alive back to ${idle}`);
  });

  it('a program making many requests with hooks, never closing its session, exits by itself', async () => {
    const { code, signal, out } = await runChild(server.url, '100', '1');
    assert.equal(signal, null, `the child did not exit by itself; it was killed. Output: ${out}`);
    assert.equal(code, 0, out);
    assert.equal(out, `200 notes ${100 * 99}\n`);
  });

  it('a program whose session has a worker that never got a request exits by itself too', async () => {
    // Two workers, one request: the second worker's lane opens and never carries anything. Zero requests: no lane does.
    const [one, none] = await Promise.all([runChild(server.url, '1', '2'), runChild(server.url, '0', '1')]);
    assert.equal(one.out, '2 notes 0\n');
    assert.equal(none.out, '0 notes 0\n');
    assert.equal(one.signal, null, 'two workers, one request: the child was killed');
    assert.equal(none.signal, null, 'no request: the child was killed');
  });
});

/** Runs fixtures/no-close.js; kills it if it has not exited by itself within 15 s (a normal run takes about one). */
async function runChild(...args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const script = fileURLToPath(new URL('./fixtures/no-close.js', import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(killer);
  return { code, signal, out };
}
