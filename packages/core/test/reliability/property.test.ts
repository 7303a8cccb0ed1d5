/**
 * Property tests, bounded in count and time: rounds of random operations (requests to fast, slow,
 * failing and refusing routes, callbacks that fail or crash their worker, per-request deadlines,
 * cancel() and signals, pauses) ended by a random close (drain, timeout or force). Invariants: every
 * future settles exactly once; a cancelled future rejects TF_ERR_ABORTED and says so; every other
 * request ends as its route says, unless a crash in that round took its worker (TF_ERR_WORKER_CRASHED)
 * or the close aborted it (TF_ERR_ABORTED); stats() adds up.
 * Replay a failing round with THREADFETCH_PROPERTY_SEED=<the seed in its name>.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Future, FuturesSession, ThreadExecutor, type ThreadfetchError } from '@threadfetch/core';
import { prng } from '../helpers/random.js';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, countingExecutor, crashy, type ReliabilityServer, refusedURL, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

/** Each kind of request, and how it ends when nothing else happens to it. */
const expected = {
  fast: 'ok',
  slow: 'ok',
  status500: 'ok',
  refused: 'TF_ERR_CONNECTION_REFUSED',
  callbackFails: 'TF_ERR_CALLBACK_FAILED',
  deadline: 'TF_ERR_TIMEOUT',
  crash: 'TF_ERR_WORKER_CRASHED',
} as const;
type Kind = keyof typeof expected;
type CloseMode = 'drain' | 'timeout' | 'force';

interface Op {
  readonly kind: Kind;
  readonly future: Future<unknown>;
  readonly controller: AbortController | undefined;
  cancelled: boolean;
  settles: number;
  outcome?: string;
}

const opsPerRound = 150;

function submit(s: FuturesSession<Crashy>, kind: Kind, i: number, random: () => number, signal: AbortSignal | undefined): Future<unknown> {
  const extra = signal ? { signal } : {};
  switch (kind) {
    case 'fast':
      return s.get(`/ok?i=${i}`, extra);
    case 'slow':
      return s.get(`/slow?ms=${Math.floor(random() * 60)}&i=${i}`, extra);
    case 'status500':
      return s.get(`/boom?i=${i}`, extra);
    case 'refused':
      return s.get(`${refusedURL}?i=${i}`, extra);
    case 'callbackFails':
      return s.get(`/ok?i=${i}`, { ...extra, background: 'fails' });
    case 'deadline':
      return s.get(`/slow?ms=5000&i=${i}`, { ...extra, timeout: 20 + Math.floor(random() * 50) });
    case 'crash':
      return s.get(`/ok?crash=${i}`, { ...extra, background: 'exits' });
  }
}

async function round(seed: number, withCrashes: boolean, closeMode: CloseMode): Promise<void> {
  const random = prng(seed);
  const crashRetries = withCrashes ? Math.floor(random() * 2) : 0;
  // Jobs are counted at the executor: each finished once (a future would hide a second finish).
  const counted = countingExecutor(new ThreadExecutor({ maxWorkers: 2, concurrencyPerWorker: 8, crashRetries }));
  const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, timeout: 20_000, executor: counted.executor });
  // Workers up and warm first: otherwise a close that aborts (timeout, force) lands before any worker
  // has started or loaded the callbacks, and every request of the round is aborted.
  await waitFor(() => s.stats().workers.length === 2, 'both workers up');
  const warmUp = 4;
  await Promise.all(Array.from({ length: warmUp }, () => s.get('/ok', { background: 'threadId' })));
  const kinds = (Object.keys(expected) as Kind[]).filter((k) => withCrashes || k !== 'crash');
  const weights = kinds.map((k) => (k === 'crash' ? 0.2 : 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const pick = (): Kind => {
    let r = random() * totalWeight;
    for (const [i, k] of kinds.entries()) {
      r -= weights[i] as number;
      if (r < 0) return k;
    }
    return 'fast';
  };
  const ops: Op[] = [];
  for (let i = 0; i < opsPerRound; i++) {
    const kind = pick();
    const controller = random() < 0.1 ? new AbortController() : undefined;
    const op: Op = { kind, future: submit(s, kind, i, random, controller?.signal), controller, cancelled: false, settles: 0 };
    op.future.then(
      () => {
        op.settles++;
        op.outcome = 'ok';
      },
      (error: unknown) => {
        op.settles++;
        op.outcome = (error as ThreadfetchError).code;
      },
    );
    ops.push(op);
    const action = random();
    const victim = ops[Math.floor(random() * ops.length)] as Op;
    if (action < 0.12) {
      if (victim.future.cancel('property test')) victim.cancelled = true;
    } else if (action < 0.2 && victim.controller && !victim.controller.signal.aborted) {
      const wasDone = victim.future.done;
      victim.controller.abort();
      if (!wasDone) victim.cancelled = true;
    }
    if (random() < 0.1) await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 10)));
  }
  if (closeMode === 'drain') await s.close();
  else if (closeMode === 'timeout') await s.close({ timeout: Math.floor(random() * 100) });
  else await s.close({ force: true });
  await counted.executor.destroy();
  counted.check();

  // A worker died in this round (a crash op may itself have been cancelled after its callback ran).
  const crashed = s.stats().workerCrashes > 0;
  if (!withCrashes) assert.equal(s.stats().workerCrashes, 0, `seed ${seed}: no crash without crash ops`);
  const closeAborts = closeMode !== 'drain';
  for (const [i, op] of ops.entries()) {
    const where = `seed ${seed}, op ${i} (${op.kind}${op.cancelled ? ', cancelled' : ''}): ${op.outcome}`;
    assert.equal(op.settles, 1, `settled ${op.settles} times: ${where}`);
    assert.equal(op.future.done, true, where);
    assert.equal(op.future.cancelled, op.cancelled, `future.cancelled: ${where}`);
    if (op.cancelled) {
      assert.equal(op.outcome, 'TF_ERR_ABORTED', where);
      continue;
    }
    const allowed: string[] = [expected[op.kind]];
    if (crashed) allowed.push('TF_ERR_WORKER_CRASHED');
    if (closeAborts) allowed.push('TF_ERR_ABORTED');
    assert.ok(allowed.includes(op.outcome as string), `expected one of ${allowed}: ${where}`);
  }

  const stats = s.stats();
  const ok = ops.filter((op) => op.outcome === 'ok').length + warmUp;
  const cancelled = ops.filter((op) => op.outcome === 'TF_ERR_ABORTED').length;
  const timedOut = ops.filter((op) => op.outcome === 'TF_ERR_TIMEOUT').length;
  const failed = ops.length + warmUp - ok - cancelled - timedOut;
  const context = `seed ${seed}: ${JSON.stringify({ ok, cancelled, timedOut, failed, stats })}`;
  assert.equal(stats.queued + stats.inflight, 0, context);
  assert.equal(stats.failed, failed, `failed: ${context}`);
  assert.equal(stats.cancelled, cancelled, `cancelled (cancel(), signals, close): ${context}`);
  assert.equal(stats.timedOut, timedOut, `timedOut (deadlines): ${context}`);
  assert.ok(stats.crashRetried <= crashRetries * ops.length, context);
  if (crashRetries === 0) assert.equal(stats.crashRetried, 0, context);
  // A request aborted while its response was already on its way back counts as cancelled only.
  assert.equal(stats.completed, ok, `completed: ${context}`);
}

describe('property: random mixes of requests, cancels, deadlines, crashes and a close', () => {
  const base = Number(process.env.THREADFETCH_PROPERTY_SEED ?? Date.now() % 1_000_000);
  const plan: [boolean, CloseMode][] = [
    [false, 'drain'],
    [true, 'drain'],
    [false, 'timeout'],
    [true, 'force'],
    [true, 'timeout'],
  ];
  for (const [r, [withCrashes, closeMode]] of plan.entries()) {
    const seed = base + r;
    it(`round ${r + 1}: seed ${seed}, ${opsPerRound} operations${withCrashes ? ', worker crashes' : ''}, close: ${closeMode}`, async () => {
      await round(seed, withCrashes, closeMode);
    });
  }
});
