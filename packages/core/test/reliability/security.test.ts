/** Untrusted input cannot pollute prototypes, and a callback is only ever an own export of the session's module. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuturesSession, type ThreadfetchError } from '@threadfetch/core';
import { crashy, type ReliabilityServer, startReliabilityServer } from './helpers.js';

let server: ReliabilityServer;
let session: FuturesSession;
before(async () => {
  server = await startReliabilityServer();
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1, callbacks: crashy });
});
after(async () => {
  await session.close({ force: true });
  await server.close();
});

const evil = () => JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as Record<string, never>;
const clean = () => assert.equal(({} as { polluted?: string }).polluted, undefined, 'Object.prototype was polluted');

describe('prototype pollution', () => {
  for (const [what, options] of [
    ['headers', () => ({ headers: evil() })],
    ['query', () => ({ query: evil() })],
    ['form', () => ({ method: 'POST', form: evil() })],
    ['json', () => ({ method: 'POST', json: evil() })],
    ['hooks', () => ({ hooks: evil() })],
    ['request options', () => evil()],
  ] as const) {
    it(`${what} from JSON.parse with __proto__ either works as data or is refused, and pollutes nothing`, async () => {
      const { method = 'GET', ...rest } = options() as { method?: string };
      try {
        await session.request({ method, url: '/ok', ...rest });
      } catch (error) {
        assert.equal((error as ThreadfetchError).code, 'TF_ERR_INVALID_ARGUMENT', String(error));
      }
      clean();
    });
  }

  it('session options with __proto__ are refused at construction and pollute nothing', () => {
    assert.throws(
      () => new FuturesSession(evil()),
      (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT',
    );
    assert.throws(
      () => new FuturesSession({ headers: evil() }),
      (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT',
    );
    clean();
  });

  it('a JSON body with __proto__ reaches the server as the literal key', async () => {
    await session.post('/ok?json=1', { json: evil() });
    const sent = server.seen.find((s) => s.url === '/ok?json=1');
    assert.deepEqual(Object.keys(JSON.parse(sent?.body ?? '{}')), ['__proto__', 'constructor']);
    clean();
  });
});

describe('callbacks are own exports only', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`background: '${name}' rejects with TF_ERR_UNKNOWN_CALLBACK`, async () => {
      await assert.rejects(session.get('/ok', { background: name as never }), (e: ThreadfetchError) => e.code === 'TF_ERR_UNKNOWN_CALLBACK');
    });
  }

  it('a request cannot name another module: callbacks is a session option only', async () => {
    await assert.rejects(
      session.get('/ok', { callbacks: 'data:text/javascript,export const x = 1' } as never),
      (e: ThreadfetchError) => e.code === 'TF_ERR_INVALID_ARGUMENT',
    );
  });
});
