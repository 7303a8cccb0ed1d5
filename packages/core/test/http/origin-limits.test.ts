/**
 * Connection limits per origin, counted by a server that tracks its open connections:
 * `connectionsPerOrigin` applies in each worker; `poolConnectionsPerOrigin` to the whole pool, the
 * requests beyond it waiting on the main thread.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { type Hold, hold } from '../helpers/hold.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

interface CountingServer {
  readonly server: TestServer;
  readonly held: Hold;
  /** Connections open now, and the most open at once. */
  readonly connections: { open: number; max: number };
}

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function countingServer(): Promise<CountingServer> {
  const held = hold();
  const server = await startServer({ '/hold': held.handler, '/ok': (_req, res) => res.end('ok') });
  servers.push(server);
  const connections = { open: 0, max: 0 };
  server.server.on('connection', (socket) => {
    connections.open += 1;
    connections.max = Math.max(connections.max, connections.open);
    socket.on('close', () => {
      connections.open -= 1;
    });
  });
  return { server, held, connections };
}

/** Answers what the server holds until every future is done. */
async function releaseUntilDone(held: Hold, futures: readonly { done: boolean }[]): Promise<void> {
  const allDone = () => futures.every((f) => f.done);
  while (!allDone()) {
    await waitFor(() => held.waiting > 0 || allDone(), 'a held request or the end');
    held.releaseAll();
  }
}

describe('connections per origin', () => {
  it('connectionsPerOrigin limits each worker: one worker with 2 holds 2 connections, the rest wait in it', async () => {
    const { server, held, connections } = await countingServer();
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, connectionsPerOrigin: 2 });
    try {
      const futures = Array.from({ length: 6 }, (_, i) => session.get(`/hold/${i}`));
      await waitFor(() => held.waiting === 2, 'two requests at the server');
      assert.equal(session.stats().inflight, 6, 'the others wait in the worker, not on the main thread');
      await releaseUntilDone(held, futures);
      await Promise.all(futures);
      assert.equal(connections.max, 2);
    } finally {
      await session.close();
    }
  });

  it('poolConnectionsPerOrigin limits the whole pool; requests beyond wait on the main thread, other origins go on', async () => {
    const limited = await countingServer();
    const other = await countingServer();
    const session = new FuturesSession({ maxWorkers: 3, poolConnectionsPerOrigin: 2 });
    try {
      const futures = Array.from({ length: 12 }, (_, i) => session.get(`${limited.server.url}/hold/${i}`));
      await waitFor(() => limited.held.waiting === 2, 'two requests at the limited server');
      assert.equal(session.stats().queued, 10, 'ten wait on the main thread');
      assert.equal((await session.get(`${other.server.url}/ok`)).text(), 'ok', 'another origin is not held up');
      // A queued request can be cancelled: it never reaches the server.
      const cancelled = futures.pop();
      assert.equal(cancelled?.cancel(), true);
      await releaseUntilDone(limited.held, futures);
      await Promise.all(futures);
      assert.equal(limited.server.seen.filter((s) => s.url.startsWith('/hold/')).length, 11);
      assert.equal(limited.connections.max, 2, 'never more than two connections, idle keep-alive ones included');
      // Three workers, each free to open its own: only the pool-wide limit keeps the total at two.
      const more = Array.from({ length: 12 }, (_, i) => session.get(`${limited.server.url}/hold/again-${i}`));
      await releaseUntilDone(limited.held, more);
      await Promise.all(more);
      assert.equal(limited.connections.max, 2);
    } finally {
      await session.close();
    }
  });

  it('without it, three workers open connections of their own', async () => {
    const { server, held, connections } = await countingServer();
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 3 });
    try {
      const futures = Array.from({ length: 12 }, (_, i) => session.get(`/hold/${i}`));
      await waitFor(() => held.waiting === 12, 'every request at the server');
      await releaseUntilDone(held, futures);
      assert.equal(connections.max, 12);
    } finally {
      await session.close();
    }
  });

  it('requests waiting for their origin count against maxQueue', async () => {
    const { server, held } = await countingServer();
    const session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, poolConnectionsPerOrigin: 1, maxQueue: 1 });
    try {
      const first = session.get('/hold/first');
      const second = session.get('/hold/second');
      await assert.rejects(session.get('/hold/third'), { code: 'TF_ERR_QUEUE_FULL' });
      await releaseUntilDone(held, [first, second]);
      assert.equal((await second).status, 200);
    } finally {
      await session.close();
    }
  });

  it('poolConnectionsPerOrigin must be a positive integer', () => {
    assert.throws(() => new FuturesSession({ poolConnectionsPerOrigin: 0 }), /options.poolConnectionsPerOrigin must be a positive integer/);
  });
});
