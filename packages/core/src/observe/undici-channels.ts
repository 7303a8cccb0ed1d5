/**
 * undici's own `diagnostics_channel` events, published on the main thread for each threadfetch
 * request, so that APM instrumentations of undici registered here (OpenTelemetry's
 * `@opentelemetry/instrumentation-undici`, vendors' agents) see threadfetch's requests, which undici
 * sends from the workers, where these channels have no subscribers of theirs.
 *
 * One request, as undici would publish it for a request without redirects: `undici:request:create`
 * when it is made, synchronously, in the caller's async context (where a tracer finds the active
 * span); then `undici:request:headers` and `undici:request:trailers` when it settles with a response,
 * or `undici:request:error` when it fails. The objects have the documented shapes; `addHeader()`
 * called on `create` adds the header to the request the worker sends (a `traceparent`, say).
 * Redirects, retries and crash resends happen inside it. Nothing is built without subscribers.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { HttpStatusError } from '@threadfetch/worker';
import type { Job } from '../executor/job.js';

const create = diagnosticsChannel.channel('undici:request:create');
const headers = diagnosticsChannel.channel('undici:request:headers');
const trailers = diagnosticsChannel.channel('undici:request:trailers');
const error_ = diagnosticsChannel.channel('undici:request:error');

/** A request as undici's channels describe it; `headers` is the flat `[name, value, ...]` list undici 6+ uses. */
class ChannelRequest {
  readonly origin: string;
  readonly method: string;
  readonly path: string;
  readonly headers: string[] = [];
  completed = false;
  aborted = false;
  readonly #sent: Record<string, string>;

  constructor(method: string, url: string, sent: Record<string, string>) {
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.method = method;
    this.path = `${parsed.pathname}${parsed.search}`;
    this.#sent = sent;
    for (const name in sent) this.headers.push(name, sent[name] as string);
  }

  /** Adds a header to the request the worker will send (it has not left yet when `create` is published). */
  addHeader(name: string, value: string): this {
    this.headers.push(name, value);
    const key = name.toLowerCase();
    const had = this.#sent[key];
    this.#sent[key] = had === undefined ? value : `${had}, ${value}`;
    return this;
  }
}

/** The response part of `undici:request:headers`: header names and values as Buffers, alternating. */
interface ChannelResponse {
  readonly statusCode: number;
  readonly statusText: string;
  readonly headers: Buffer[];
}

const requests = new WeakMap<Job, ChannelRequest>();

/** The request was made: publishes `undici:request:create` (before it is sent, so added headers go with it). */
export function undiciCreated(job: Job): void {
  if (!create.hasSubscribers) return;
  const request = new ChannelRequest(job.spec.method, job.spec.url, job.spec.headers);
  requests.set(job, request);
  create.publish({ request });
}

/** The request settled: `headers` and `trailers` for a response; `error` for a failure (`headers` first for an HTTP status error). */
export function undiciSettled(job: Job, error: Error | undefined, value: unknown): void {
  const request = requests.get(job);
  if (request === undefined) return;
  requests.delete(job);
  if (error) {
    if (error instanceof HttpStatusError) headers.publish({ request, response: { statusCode: error.status, statusText: '', headers: [] } });
    request.aborted = error.name === 'AbortedError';
    error_.publish({ request, error });
    return;
  }
  const res = value as { status: number; statusText: string; headers: Headers };
  const raw: Buffer[] = [];
  for (const [name, v] of res.headers) raw.push(Buffer.from(name), Buffer.from(v));
  headers.publish({ request, response: { statusCode: res.status, statusText: res.statusText, headers: raw } satisfies ChannelResponse });
  request.completed = true;
  trailers.publish({ request, trailers: [] });
}
