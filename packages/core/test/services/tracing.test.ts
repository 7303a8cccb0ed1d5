/**
 * OpenTelemetry's undici instrumentation, registered on the main thread as a service would and not
 * modified, traces threadfetch's requests: undici's channels are published on the main thread.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { FuturesSession } from '@threadfetch/core';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('tracing-test');
let instrumentation: UndiciInstrumentation;
let server: TestServer;
let session: FuturesSession;

before(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  instrumentation = new UndiciInstrumentation();
  instrumentation.setTracerProvider(provider);
  server = await startServer({
    '/ok': (_req, res) => sendJson(res, { ok: true }),
    '/moved': (_req, res) => {
      res.writeHead(302, { location: '/ok' });
      res.end();
    },
    '/fail': (_req, res) => sendJson(res, { ok: false }, 500),
  });
  session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
});

after(async () => {
  instrumentation.disable();
  await session.close({ force: true });
  await server.close();
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

/** Runs `fn` inside an active parent span; returns the finished spans it produced, the parent's first. */
async function traced(fn: () => Promise<unknown>): Promise<{ parent: ReadableSpan; clients: ReadableSpan[] }> {
  exporter.reset();
  let parentId = '';
  await tracer.startActiveSpan('parent', async (span: Span) => {
    parentId = span.spanContext().spanId;
    try {
      await fn();
    } catch {
      // The span is what the test looks at.
    } finally {
      span.end();
    }
  });
  const spans = exporter.getFinishedSpans();
  const parent = spans.find((s) => s.spanContext().spanId === parentId);
  assert.ok(parent);
  return { parent, clients: spans.filter((s) => s.kind === SpanKind.CLIENT) };
}

/** The traceparent a request carried to the server. */
const traceparentOf = (index: number) => server.seen[index]?.headers.traceparent;

describe('tracing: @opentelemetry/instrumentation-undici on the main thread', () => {
  it('one CLIENT span per request, child of the active span, with method, URL and status, and traceparent sent', async () => {
    const seen = server.seen.length;
    const { parent, clients } = await traced(() => session.get('/ok?page=2'));
    assert.equal(clients.length, 1);
    const [client] = clients as [ReadableSpan];
    assert.equal(client.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(client.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(client.attributes['http.request.method'], 'GET');
    assert.equal(client.attributes['url.full'], `${server.url}/ok?page=2`);
    assert.equal(client.attributes['http.response.status_code'], 200);
    assert.equal(client.status.code, SpanStatusCode.UNSET);
    assert.equal(traceparentOf(seen), `00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`);
  });

  it('redirects stay inside the one span; every hop carries its traceparent', async () => {
    const seen = server.seen.length;
    const { clients } = await traced(() => session.get('/moved'));
    assert.equal(clients.length, 1);
    const [client] = clients as [ReadableSpan];
    assert.equal(client.attributes['url.full'], `${server.url}/moved`);
    assert.equal(client.attributes['http.response.status_code'], 200);
    assert.deepEqual(
      server.seen.slice(seen).map((s) => [s.url, s.headers.traceparent]),
      ['/moved', '/ok'].map((url) => [url, `00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`]),
    );
  });

  it('an error status marks the span as an error', async () => {
    const { clients } = await traced(() => session.get('/fail'));
    assert.equal(clients[0]?.attributes['http.response.status_code'], 500);
    assert.equal(clients[0]?.status.code, SpanStatusCode.ERROR);
  });

  it('with throwHttpErrors, the status and the error both reach the span', async () => {
    const { clients } = await traced(() => session.get('/fail', { throwHttpErrors: true }));
    assert.equal(clients.length, 1);
    assert.equal(clients[0]?.attributes['http.response.status_code'], 500);
    assert.equal(clients[0]?.attributes['error.type'], 'TF_ERR_HTTP_STATUS');
    assert.equal(clients[0]?.status.code, SpanStatusCode.ERROR);
  });

  it('a failed request ends its span with an error status and the exception', async () => {
    const { clients } = await traced(() => session.get('http://127.0.0.1:1/refused'));
    assert.equal(clients.length, 1);
    const [client] = clients as [ReadableSpan];
    assert.equal(client.status.code, SpanStatusCode.ERROR);
    assert.equal(client.attributes['error.type'], 'TF_ERR_CONNECTION_REFUSED');
    assert.ok(client.events.some((e) => e.name === 'exception'));
  });

  it('concurrent requests each get their own span under the span active where they were made', async () => {
    const { parent, clients } = await traced(() => Promise.all([session.get('/ok?a'), session.get('/ok?b'), session.get('/ok?c')]));
    assert.equal(clients.length, 3);
    for (const client of clients) assert.equal(client.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.deepEqual(
      clients.map((c) => c.attributes['url.full']).sort(),
      ['a', 'b', 'c'].map((q) => `${server.url}/ok?${q}`),
    );
  });
});

describe("tracing: undici's channel objects", () => {
  it("create has undici's request shape; addHeader reaches the request the worker sends", async () => {
    const requests: Record<string, unknown>[] = [];
    const onCreate = (message: unknown) => {
      const { request } = message as { request: Record<string, unknown> & { addHeader(name: string, value: string): void } };
      requests.push({ origin: request.origin, method: request.method, path: request.path, headers: (request.headers as string[]).slice(0, 4) });
      request.addHeader('x-added', 'by a subscriber');
    };
    diagnosticsChannel.subscribe('undici:request:create', onCreate);
    const seen = server.seen.length;
    try {
      await session.get('/ok?x=1', { headers: { 'user-agent': 'svc/1.0' } });
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    }
    // The session's default accept-encoding, then the request's own header, as flat name/value pairs.
    assert.deepEqual(requests, [
      { origin: server.url, method: 'GET', path: '/ok?x=1', headers: ['accept-encoding', 'gzip, deflate, br', 'user-agent', 'svc/1.0'] },
    ]);
    assert.equal(server.seen[seen]?.headers['x-added'], 'by a subscriber');
  });
});
