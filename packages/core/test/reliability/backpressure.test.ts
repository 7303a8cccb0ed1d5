/** maxQueue: past it a coded rejection at once; 100,000 requests at once settle exactly once in bounded memory. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { waitFor } from '../helpers/wait.js';
import { type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
before(async () => {
  server = await startReliabilityServer();
});
after(async () => {
  await server.close();
});

describe('backpressure', () => {
  it('past maxQueue a request rejects at once with TF_ERR_QUEUE_FULL; the others run', async () => {
    const s = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1, maxQueue: 2 });
    try {
      const held = server.held.length;
      const running = s.get('/hold?n=q');
      const queued = [s.get('/ok?n=1'), s.get('/ok?n=2')];
      const refused = s.get('/ok?n=3');
      assert.equal(refused.done, true, 'refused synchronously');
      await assert.rejects(refused, (e: ThreadfetchError) => e.code === 'TF_ERR_QUEUE_FULL' && e.message.includes('maxQueue (2)'));
      assert.equal(s.stats().queued, 2);
      await waitFor(() => server.held.length > held, 'the first request to reach the server');
      server.held.at(-1)?.writeHead(200).end('released');
      assert.equal((await running).status, 200);
      for (const res of await Promise.all(queued)) assert.equal(res.status, 200);
    } finally {
      await s.close({ force: true });
    }
  });

  it('100,000 requests submitted at once: each settles exactly once, the excess at once, memory bounded', async () => {
    const child = new URL('./load-child.js', import.meta.url);
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child.pathname, `${server.url}/ok`], { timeout: 50_000 });
    const report = JSON.parse(stdout) as { settles: number; settled: Record<string, number>; heapGrowthMb: number };
    assert.equal(report.settles, 100_000, 'every future settled exactly once');
    assert.equal(report.settled.ok, 64 + 1_000, 'the ones in flight and in the queue succeeded');
    assert.equal(report.settled.TF_ERR_QUEUE_FULL, 100_000 - 64 - 1_000);
    assert.ok(report.heapGrowthMb < 32, `heap grew ${report.heapGrowthMb.toFixed(1)} MB`);
  });
});
