/**
 * The service of `service.ts`: `GET /inventory-value?pages=0,1,2` fans out to the upstream catalogue
 * API through threadfetch, one request per page, each page reduced in a worker by the `summarizePage`
 * callback, and answers with the totals. Each incoming request is a SERVER span; the upstream
 * requests become its CLIENT children through OpenTelemetry's undici instrumentation. It knows
 * nothing of where its upstream answers come from: a real server, or a MockAgent in a test.
 */
import http from 'node:http';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FuturesSession } from '@threadfetch/core';
import type { Logger } from 'pino';
import type { Summary } from '../support/records.js';

type Catalogue = typeof import('../callbacks/catalogue.js');

/** What the endpoint answers. */
export interface InventoryValue {
  readonly pages: readonly number[];
  readonly items: number;
  /** Sum of price * qty over the pages, in cents. */
  readonly value: number;
  readonly onSale: number;
}

const tracer = trace.getTracer('inventory-value-service');

/** The HTTP server of the service; the caller listens and closes. */
export function createValueService(session: FuturesSession<Catalogue>, logger: Logger): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://service.local');
    tracer.startActiveSpan(`${req.method} ${url.pathname}`, { kind: SpanKind.SERVER }, async (span) => {
      const log = logger.child({ route: url.pathname, traceId: span.spanContext().traceId });
      try {
        if (url.pathname !== '/inventory-value') return answer(res, 404, { error: 'not found' });
        const pages = (url.searchParams.get('pages') ?? '').split(',').filter(Boolean).map(Number);
        if (pages.length === 0 || pages.some((p) => !Number.isSafeInteger(p) || p < 0))
          return answer(res, 400, { error: 'pages must be a list of page numbers' });
        const summaries = await Promise.all(
          pages.map((page) => session.get(`/catalogue/${page}`, { query: { count: 2_000 }, background: 'summarizePage', keepBody: false })),
        );
        const total = reduce(
          pages,
          summaries.map((r) => r.data as Summary),
        );
        log.info({ pages: pages.length, value: total.value }, 'inventory valued');
        answer(res, 200, total);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        log.error({ err: error }, 'upstream failed');
        answer(res, 502, { error: 'the catalogue could not be read', code: (error as { code?: string }).code });
      } finally {
        span.end();
      }
    });
  });
}

function reduce(pages: readonly number[], summaries: readonly Summary[]): InventoryValue {
  let items = 0;
  let value = 0;
  let onSale = 0;
  for (const s of summaries) {
    items += s.count;
    value += s.value;
    onSale += s.onSale;
  }
  return { pages, items, value, onSale };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
