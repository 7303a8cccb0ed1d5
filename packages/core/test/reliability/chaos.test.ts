/**
 * Chaos, bounded in count and time: a small pool, a random mix of callbacks that spin (blocking their
 * worker), never settle, throw, are slow or are fine, each with a random deadline, some cancelled.
 * Every future settles exactly once (counted at the executor), no later than its deadline (plus a
 * margin for a busy machine); the pool then serves a batch of fine requests, with no thread left over.
 * Replay a failing round with THREADFETCH_CHAOS_SEED=<the seed in its name>.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, ThreadExecutor } from '@threadfetch/core';
import { prng } from '../helpers/random.js';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, countingExecutor, crashy, outcome, type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

const kinds = {
  fine: { weight: 4, background: 'threadId', path: '/ok', ends: 'ok' },
  slow: { weight: 2, background: 'slow', path: '/ok?ms=100', ends: 'ok' },
  throws: { weight: 1, background: 'fails', path: '/ok', ends: 'TF_ERR_CALLBACK_FAILED' },
  neverSettles: { weight: 1, background: 'neverSettles', path: '/ok', ends: 'TF_ERR_TIMEOUT' },
  spins: { weight: 0.6, background: 'spins', path: '/ok', ends: 'TF_ERR_TIMEOUT' },
} as const;
type Kind = keyof typeof kinds;

const opsPerRound = 40;
const grace = 200;
/** Far above a timer's lateness on a busy machine, far below anything that would mean a hang. */
const margin = 4_000;

interface Op {
  readonly kind: Kind;
  readonly timeout: number;
  readonly started: number;
  settledAt?: number;
  settles: number;
  cancelled: boolean;
  outcome?: string;
}

async function round(seed: number, crashRetries: number): Promise<void> {
  const random = prng(seed);
  const inner = new ThreadExecutor({ maxWorkers: 2, concurrencyPerWorker: 4, terminateGrace: grace, crashRetries });
  const counted = countingExecutor(inner);
  const s = new FuturesSession<Crashy>({ baseURL: server.url, callbacks: crashy, executor: counted.executor });
  try {
    await waitFor(() => s.stats().workers.length === 2, 'both workers up');
    await Promise.all(Array.from({ length: 4 }, () => s.get('/ok', { background: 'threadId' })));
    const names = Object.keys(kinds) as Kind[];
    const total = names.reduce((sum, k) => sum + kinds[k].weight, 0);
    const pick = (): Kind => {
      let r = random() * total;
      for (const k of names) {
        r -= kinds[k].weight;
        if (r < 0) return k;
      }
      return 'fine';
    };
    const ops: Op[] = [];
    const futures = [];
    for (let i = 0; i < opsPerRound; i++) {
      const kind = pick();
      const op: Op = { kind, timeout: 150 + Math.floor(random() * 600), started: performance.now(), settles: 0, cancelled: false };
      const { background, path } = kinds[kind];
      const future = s.get(`${path}${path.includes('?') ? '&' : '?'}i=${i}`, { background, timeout: op.timeout });
      futures.push(future);
      ops.push(op);
      const settle = (code: string) => {
        op.settles += 1;
        op.settledAt = performance.now();
        op.outcome = code;
      };
      future.then(
        () => settle('ok'),
        (error: unknown) => settle((error as { code: string }).code),
      );
      if (random() < 0.15) {
        const victim = Math.floor(random() * ops.length);
        if (futures[victim]?.cancel()) (ops[victim] as Op).cancelled = true;
      }
      if (random() < 0.2) await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 20)));
    }
    await Promise.allSettled(futures);
    await new Promise((resolve) => setImmediate(resolve));

    for (const [i, op] of ops.entries()) {
      const where = `seed ${seed}, op ${i} (${op.kind}, timeout ${op.timeout}${op.cancelled ? ', cancelled' : ''}): ${op.outcome}`;
      assert.equal(op.settles, 1, `settled ${op.settles} times: ${where}`);
      assert.ok(
        (op.settledAt as number) - op.started <= op.timeout + grace + margin,
        `settled after ${Math.round((op.settledAt as number) - op.started)} ms: ${where}`,
      );
      if (op.cancelled) {
        assert.equal(op.outcome, 'TF_ERR_ABORTED', where);
        continue;
      }
      // Past its deadline any request times out; a bystander of a terminated worker is sent again
      // once, and fails TF_ERR_WORKER_STUCK past its retries.
      const allowed = [kinds[op.kind].ends, 'TF_ERR_TIMEOUT', 'TF_ERR_WORKER_STUCK'];
      assert.ok(allowed.includes(op.outcome as string), `expected one of ${allowed}: ${where}`);
    }

    // Every stuck worker is replaced and every slot freed; the pool serves again.
    await waitFor(() => {
      const stats = s.stats();
      return stats.inflight === 0 && stats.workers.length === 2 && inner.threads === 2;
    }, `the pool to recover (seed ${seed})`);
    const fine = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(s.get(`/ok?after=${i}`, { background: 'threadId', timeout: 10_000 }))));
    assert.ok(
      fine.every((r) => r.ok),
      `after the chaos (seed ${seed}): ${JSON.stringify(fine.filter((r) => !r.ok))}`,
    );
    const stats = s.stats();
    const context = `seed ${seed}: ${JSON.stringify(stats)}`;
    assert.equal(stats.workerCrashes, 0, `terminations are not crashes: ${context}`);
    assert.ok(stats.workersTerminated <= ops.filter((op) => op.kind === 'spins').length, context);
    assert.equal(stats.cancelled, ops.filter((op) => op.outcome === 'TF_ERR_ABORTED').length, context);
    assert.equal(stats.timedOut, ops.filter((op) => op.outcome === 'TF_ERR_TIMEOUT').length, context);
  } finally {
    await s.close({ force: true });
    await inner.destroy();
  }
  counted.check();
  assert.equal(inner.threads, 0, `seed ${seed}: no thread left after destroy`);
}

describe('chaos: stuck, never-settling, failing, slow and fine callbacks with deadlines and cancels', () => {
  const base = Number(process.env.THREADFETCH_CHAOS_SEED ?? Date.now() % 1_000_000);
  for (const [r, crashRetries] of [0, 1, 0].entries()) {
    const seed = base + r;
    it(`round ${r + 1}: seed ${seed}, ${opsPerRound} operations, crashRetries ${crashRetries}`, async () => {
      await round(seed, crashRetries);
    });
  }
});
