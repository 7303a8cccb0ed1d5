import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  AbortedError,
  BodyIncompleteError,
  ConnectionRefusedError,
  ConnectionResetError,
  FuturesSession,
  NetworkError,
  QueueFullError,
  type RemoteError,
  SessionClosedError,
  type ThreadExecutor,
  ThreadfetchError,
  TimeoutError,
  WorkerCrashedError,
} from '@threadfetch/core';
import { type Hold, hold } from './helpers/hold.js';
import { sendJson, startServer, type TestServer } from './helpers/server.js';
import { waitFor, waitForSeen } from './helpers/wait.js';

const callbacks = new URL('./fixtures/callbacks.js', import.meta.url);

let server: TestServer;
let held: Hold;
let session: FuturesSession<typeof import('./fixtures/callbacks.js')>;

before(async () => {
  held = hold();
  server = await startServer({
    '/ok': (_req, res) => sendJson(res, { ok: true }),
    '/hold': held.handler,
    '/destroy': (req) => req.socket.destroy(),
    '/half': (req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('only part of the body');
      setTimeout(() => req.socket.destroy(), 20);
    },
  });
  session = new FuturesSession({ baseURL: server.url, callbacks, maxWorkers: 1 });
});

after(async () => {
  held.releaseAll();
  await session.close({ force: true });
  await server.close();
});

/** A port that nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

function is<T extends ThreadfetchError>(Class: abstract new (...args: never[]) => T, code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof Class, `expected ${Class.name}, got ${inspect(error)}`);
    assert.ok(error instanceof ThreadfetchError);
    assert.equal(error.code, code);
    assert.equal(error.name, Class.name);
    return true;
  };
}

describe('errors: network and deadlines', () => {
  it('a refused connection gives TF_ERR_CONNECTION_REFUSED (a NetworkError) with cause.code ECONNREFUSED', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/x`;
    await assert.rejects(session.get(url), (e: unknown) => {
      is(ConnectionRefusedError, 'TF_ERR_CONNECTION_REFUSED')(e);
      assert.ok(e instanceof NetworkError);
      const error = e as NetworkError;
      assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
      assert.ok(error.message.includes(`GET ${url}`), error.message);
      assert.deepEqual([error.request?.method, error.request?.url], ['GET', url]);
      return true;
    });
  });

  it('a server that destroys the socket before answering gives TF_ERR_CONNECTION_RESET with a cause code', async () => {
    await assert.rejects(session.post('/destroy', { body: 'x' }), (e: unknown) => {
      is(ConnectionResetError, 'TF_ERR_CONNECTION_RESET')(e);
      const cause = (e as NetworkError).cause;
      assert.ok(cause instanceof Error);
      assert.match(String((cause as RemoteError).code), /^(UND_ERR_SOCKET|ECONNRESET)$/);
      return true;
    });
  });

  it('a body cut short gives TF_ERR_BODY_INCOMPLETE', async () => {
    await assert.rejects(session.get('/half'), is(BodyIncompleteError, 'TF_ERR_BODY_INCOMPLETE'));
  });

  it('a server that never answers gives TF_ERR_TIMEOUT once the deadline passes', async () => {
    const url = `${server.url}/hold?n=timeout`;
    await assert.rejects(session.get(url, { timeout: 100 }), (e: unknown) => {
      is(TimeoutError, 'TF_ERR_TIMEOUT')(e);
      assert.ok((e as Error).message.includes(`GET ${url}`), (e as Error).message);
      return true;
    });
  });

  it('error.request is only { method, url }: no headers or body (credentials) leak into errors', async () => {
    const url = `${server.url}/hold?n=leak`;
    const future = session.post(url, { headers: { authorization: 'Bearer secret-token' }, body: 'secret-body', timeout: 50 });
    await assert.rejects(future, (e: unknown) => {
      is(TimeoutError, 'TF_ERR_TIMEOUT')(e);
      assert.deepEqual({ ...(e as TimeoutError).request }, { method: 'POST', url });
      assert.ok(!inspect(e).includes('secret'), 'inspecting the error shows no secret');
      return true;
    });
  });
});

describe('errors: worker crash', () => {
  it('a callback that calls process.exit fails the requests on that worker; the next request succeeds', async () => {
    const threadBefore = (await session.get('/ok', { background: 'threadId' })).data;
    const bystander = session.get('/hold?n=crash');
    await waitForSeen(server, '/hold?n=crash');
    const crashing = session.get('/ok?n=crash', { background: 'exits' });
    for (const future of [crashing, bystander]) {
      await assert.rejects(future, (e: unknown) => {
        is(WorkerCrashedError, 'TF_ERR_WORKER_CRASHED')(e);
        assert.ok((e as Error).message.includes(future.request.url), (e as Error).message);
        return true;
      });
    }
    const next = await session.get('/ok', { background: 'threadId', timeout: 10_000 });
    assert.equal(next.status, 200);
    assert.notEqual(next.data, threadBefore, 'the pool replaced the dead worker');
    const more = await Promise.all([session.get('/ok', { timeout: 10_000 }), session.get('/ok', { background: 'json', timeout: 10_000 })]);
    assert.deepEqual(more[1].data, { ok: true });
  });
});

describe('errors: session state and limits', () => {
  it('a request after close() rejects with TF_ERR_SESSION_CLOSED, without throwing', async () => {
    const closing = new FuturesSession({ executor: session.executor, baseURL: server.url });
    await closing.close();
    assert.equal(closing.closed, true);
    let future: ReturnType<typeof closing.get> | undefined;
    assert.doesNotThrow(() => {
      future = closing.get('/ok');
    });
    await assert.rejects(future!, is(SessionClosedError, 'TF_ERR_SESSION_CLOSED'));
    assert.equal((await session.get('/ok')).status, 200, 'the shared executor still runs');
  });

  it('maxQueue: 0 with every slot busy rejects with TF_ERR_QUEUE_FULL', async () => {
    const limited = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1, maxQueue: 0 });
    try {
      const busy = limited.get('/hold?n=queue-full');
      await assert.rejects(limited.get('/ok?n=rejected'), (e: unknown) => {
        is(QueueFullError, 'TF_ERR_QUEUE_FULL')(e);
        assert.ok((e as Error).message.includes('/ok?n=rejected'), (e as Error).message);
        return true;
      });
      await waitForSeen(server, '/hold?n=queue-full');
      assert.equal(busy.cancel(), true);
      await assert.rejects(busy, is(AbortedError, 'TF_ERR_ABORTED'));
      // the slot is free once the worker has acknowledged the abort
      const executor = limited.executor as ThreadExecutor;
      await waitFor(() => executor.inflight === 0, 'the cancelled request to leave its slot');
      assert.equal((await limited.get('/ok?n=after-queue-full')).status, 200);
    } finally {
      await limited.close({ force: true });
    }
  });

  it('maxQueue: 1 queues one request and rejects the next', async () => {
    const limited = new FuturesSession({ baseURL: server.url, maxWorkers: 1, concurrencyPerWorker: 1, maxQueue: 1 });
    try {
      const busy = limited.get('/hold?n=queue-one');
      const queued = limited.get('/ok?n=queued-one');
      await assert.rejects(limited.get('/ok?n=over'), is(QueueFullError, 'TF_ERR_QUEUE_FULL'));
      await waitForSeen(server, '/hold?n=queue-one');
      held.release('', 'n=queue-one');
      assert.equal((await busy).status, 200);
      assert.equal((await queued).status, 200);
    } finally {
      await limited.close({ force: true });
    }
  });
});

describe('errors: classes', () => {
  it('each error is an instance of its own class and of ThreadfetchError, with a stable code', () => {
    const cases: [ThreadfetchError, string][] = [
      [new TimeoutError('t'), 'TF_ERR_TIMEOUT'],
      [new AbortedError('a'), 'TF_ERR_ABORTED'],
      [new NetworkError('n'), 'TF_ERR_NETWORK'],
      [new WorkerCrashedError('w'), 'TF_ERR_WORKER_CRASHED'],
      [new SessionClosedError('s'), 'TF_ERR_SESSION_CLOSED'],
      [new QueueFullError('q'), 'TF_ERR_QUEUE_FULL'],
    ];
    for (const [error, code] of cases) {
      assert.ok(error instanceof ThreadfetchError);
      assert.ok(error instanceof Error);
      assert.ok(!(error instanceof TypeError));
      assert.equal(error.code, code);
    }
    assert.ok(!(new TimeoutError('t') instanceof AbortedError));
  });
});
