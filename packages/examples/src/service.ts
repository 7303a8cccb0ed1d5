/**
 * A service built on threadfetch, as a team would run it: an HTTP endpoint (services/value-service.ts)
 * whose handler fans out to an upstream API through threadfetch and reduces the pages in callbacks,
 * traced with OpenTelemetry (the undici instrumentation, registered on the main thread, sees each
 * upstream request as a CLIENT span under the endpoint's SERVER span) and logged with pino.
 *
 * Part one serves it against the local upstream server; part two is its test: the same service, its
 * session's upstream answered by a MockAgent through the `setup` module. Both check their output.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { FuturesSession } from '@threadfetch/core';
import { pino } from 'pino';
import { createValueService, type InventoryValue } from './services/value-service.js';
import { startServer } from './support/local-server.js';
import { makeCatalogue, summarize } from './support/records.js';

// Tracing, as a service sets it up at start: a provider, W3C propagation, the undici instrumentation.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
const instrumentation = new UndiciInstrumentation();
instrumentation.setTracerProvider(provider);

// pino, writing JSON lines; this example keeps them to check them, and prints a few.
const records: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  }),
);

const callbacks = new URL('./callbacks/catalogue.js', import.meta.url);
const pages = [0, 1, 2];
const expected: InventoryValue = (() => {
  const sums = pages.map((p) => summarize(makeCatalogue(p, 2_000)));
  return { pages, items: sums.reduce((n, s) => n + s.count, 0), value: sums.reduce((n, s) => n + s.value, 0), onSale: sums.reduce((n, s) => n + s.onSale, 0) };
})();

/** Starts the service on 127.0.0.1, asks it `path`, stops it; the status and parsed body. */
async function ask(session: FuturesSession<typeof import('./callbacks/catalogue.js')>, path: string): Promise<{ status: number; body: unknown }> {
  const service = createValueService(session, logger);
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  try {
    const { port } = service.address() as AddressInfo;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: '127.0.0.1', port, path }, resolve).on('error', reject));
    let text = '';
    for await (const chunk of res) text += chunk;
    return { status: res.statusCode ?? 0, body: JSON.parse(text) };
  } finally {
    service.close();
  }
}

// Part one: against the real upstream (a local server in its own process).
{
  await using upstream = await startServer();
  await using session = new FuturesSession({ baseURL: upstream.url, callbacks, logger, maxWorkers: 2 });
  exporter.reset();
  const { status, body } = await ask(session, `/inventory-value?pages=${pages.join(',')}`);
  console.log(`GET /inventory-value -> ${status} ${JSON.stringify(body)}`);
  assert.equal(status, 200);
  assert.deepEqual(body, expected);

  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER);
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  assert.ok(server, 'a SERVER span for the incoming request');
  console.log(`trace ${server.spanContext().traceId}: ${server.name}, ${clients.length} upstream CLIENT spans`);
  for (const c of clients) console.log(`  ${c.name} ${c.attributes['url.full']} -> ${c.attributes['http.response.status_code']}`);
  assert.equal(clients.length, pages.length);
  for (const c of clients) {
    assert.equal(c.parentSpanContext?.spanId, server.spanContext().spanId, 'each upstream request is a child of the endpoint span');
    assert.equal(c.attributes['http.response.status_code'], 200);
  }

  const ends = records.filter((r) => r.event === 'request:end');
  assert.equal(ends.length, pages.length);
  for (const r of ends) assert.equal(r.status, 200);
  const served = records.find((r) => r.msg === 'inventory valued');
  assert.equal(served?.traceId, server.spanContext().traceId, 'the service log line carries the trace id');
  console.log(`pino: ${records.length} records, e.g. ${JSON.stringify(ends[0])}`);
}

// Part two: the service's test. The session's workers answer from a MockAgent (services/mock-catalogue.ts).
{
  records.length = 0;
  await using session = new FuturesSession({
    baseURL: 'http://catalogue.test',
    callbacks,
    logger,
    setup: new URL('./services/mock-catalogue.js', import.meta.url),
    maxWorkers: 1,
  });
  const ok = await ask(session, `/inventory-value?pages=${pages.join(',')}`);
  console.log(`mocked upstream: GET /inventory-value -> ${ok.status} ${JSON.stringify(ok.body)}`);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, expected, 'the same answer from the mocked catalogue');

  const failing = await ask(session, '/inventory-value?pages=1,13');
  console.log(`mocked upstream, page 13 failing: -> ${failing.status} ${JSON.stringify(failing.body)}`);
  // The callback runs on the 503's body, which is not a catalogue: it fails, and so does the request.
  assert.equal(failing.status, 502);
  assert.deepEqual(failing.body, { error: 'the catalogue could not be read', code: 'TF_ERR_CALLBACK_FAILED' });
  const failed = records.find((r) => r.event === 'request:error');
  assert.equal(failed?.url, 'http://catalogue.test/catalogue/13?count=2000');
  assert.equal((failed?.err as { code?: string } | undefined)?.code, 'TF_ERR_CALLBACK_FAILED');
}

instrumentation.disable();
await provider.shutdown();
console.log('service example: all checks passed');
