/** The `logger` option, with pino itself writing JSON lines to a stream the test reads. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { FuturesSession } from '@threadfetch/core';
import { pino } from 'pino';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { type Crashy, crashy } from '../reliability/helpers.js';

type LogRecord = Record<string, unknown> & { level: number; msg: string; event: string };

/** A pino logger at `trace` whose records land in `records`, parsed, and whose raw text in `text()`. */
function capture(): { logger: pino.Logger; records: LogRecord[]; text(): string } {
  const lines: string[] = [];
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        lines.push(line);
        records.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), records, text: () => lines.join('\n') };
}

const level = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

let server: TestServer;
let flakyCalls = 0;

before(async () => {
  server = await startServer({
    '/ok': (_req, res) => sendJson(res, { ok: true }),
    '/moved': (_req, res) => {
      res.writeHead(302, { location: `${server.url.replace('//', '//agent:hunter2@')}/flaky` });
      res.end();
    },
    '/flaky': (_req, res) => {
      flakyCalls += 1;
      if (flakyCalls % 2 === 1) sendJson(res, { again: true }, 503);
      else sendJson(res, { ok: true });
    },
    '/hold': () => undefined,
  });
});
after(() => server.close());

describe('logger: request records', () => {
  const log = capture();
  let session: FuturesSession;
  before(() => {
    session = new FuturesSession({ logger: log.logger, baseURL: server.url, maxWorkers: 1 });
  });
  after(() => session.close({ force: true }));

  it('start, redirect, retry and end, each with thread id, method, redacted URL, status and duration; no credentials', async () => {
    log.records.length = 0;
    const url = `${server.url.replace('//', '//alice:s3cret@')}/moved?token=1`;
    const res = await session.get(url, { retry: { limit: 2, delay: 1 }, headers: { 'x-api-key': 'k3y' } });
    assert.equal(res.status, 200);
    const ofRequest = log.records.filter((r) => String(r.event).startsWith('request:'));
    assert.deepEqual(
      ofRequest.map((r) => [r.event, r.level, r.msg]),
      [
        ['request:start', level.debug, 'request start'],
        ['request:redirect', level.debug, 'request redirected'],
        ['request:retry', level.info, 'request retried'],
        ['request:end', level.info, 'request end'],
      ],
    );
    const [start, redirect, retry, end] = ofRequest as [LogRecord, LogRecord, LogRecord, LogRecord];
    for (const r of ofRequest) {
      assert.equal(r.method, 'GET');
      assert.equal(r.url, `${server.url}/moved?token=1`);
      assert.equal(r.id, start.id);
    }
    assert.equal(start.threadId, threadId, 'the request starts on the calling thread');
    assert.equal(typeof end.threadId, 'number');
    assert.notEqual(end.threadId, threadId, 'it ends naming the worker that ran it');
    assert.equal(redirect.threadId, end.threadId);
    assert.equal(redirect.status, 302);
    assert.equal(redirect.location, `${server.url}/flaky`, 'the hop goes without the credentials of its Location');
    assert.equal(retry.attempt, 1);
    assert.equal(retry.status, 503);
    assert.equal(end.status, 200);
    assert.ok(typeof end.durationMs === 'number' && end.durationMs > 0);
    assert.doesNotMatch(log.text(), /s3cret|hunter2|k3y|alice|agent/);
  });

  it('a failure is a warn record with its code; a cancel an info record', async () => {
    log.records.length = 0;
    await assert.rejects(session.get('http://127.0.0.1:1/refused'));
    const held = session.get('/hold');
    await waitFor(() => server.seen.some((s) => s.url === '/hold'), 'the server to hold the request');
    held.cancel();
    await assert.rejects(held);
    const ends = log.records.filter((r) => r.event === 'request:error');
    assert.deepEqual(
      ends.map((r) => [r.level, r.msg, r.url, (r.err as { code: string }).code]),
      [
        [level.warn, 'request failed', 'http://127.0.0.1:1/refused', 'TF_ERR_CONNECTION_REFUSED'],
        [level.info, 'request cancelled', `${server.url}/hold`, 'TF_ERR_ABORTED'],
      ],
    );
    for (const r of ends) assert.equal(typeof r.durationMs, 'number');
  });

  it('a logger that is not pino-compatible is bad input naming what it lacks', () => {
    assert.throws(
      () => new FuturesSession({ logger: { info() {} } as never }),
      /options\.logger must be a pino-compatible logger .*missing: trace, debug, warn, error/,
    );
  });
});

describe('logger: worker records', () => {
  it('start, crash, termination and exit of the worker threads, from the main thread', async () => {
    const log = capture();
    const session = new FuturesSession<Crashy>({ logger: log.logger, baseURL: server.url, callbacks: crashy, maxWorkers: 1, terminateGrace: 300 });
    const workers = () => log.records.filter((r) => String(r.event).startsWith('worker:'));
    try {
      await waitFor(() => workers().length === 1, 'the worker to start');
      await assert.rejects(session.get('/ok', { background: 'exits' }), { code: 'TF_ERR_WORKER_CRASHED' });
      await waitFor(() => workers().length === 3, 'the crash and the replacement');
      await assert.rejects(session.get('/ok', { background: 'spins', timeout: 200 }), { code: 'TF_ERR_TIMEOUT' });
      await waitFor(() => workers().length === 6, 'the termination, the exit and the replacement');
    } finally {
      await session.close();
    }
    await waitFor(() => workers().length === 7, 'the last exit');
    const seen = workers().map((r) => [r.event, r.level]);
    assert.deepEqual(seen, [
      ['worker:start', level.info],
      ['worker:crash', level.error],
      ['worker:start', level.info],
      ['worker:terminate', level.error],
      ['worker:exit', level.info],
      ['worker:start', level.info],
      ['worker:exit', level.info],
    ]);
    for (const r of workers()) assert.equal(typeof r.threadId, 'number');
    const terminate = workers()[3] as LogRecord;
    assert.equal(terminate.method, 'GET');
    assert.equal(terminate.url, `${server.url}/ok`);
    assert.equal(terminate.reason, 'timeout');
    assert.match(String(workers()[1]?.cause), /exited with code/);
  });
});
