/** ctx.request: a follow-up request made from a callback, in the same worker, on the same dispatchers (the setup module's included). */
import { InvalidArgumentError, type RequestRef } from '../errors.js';
import type { TransportSpec } from '../protocol/messages.js';
import { type BackgroundResponse, type FollowUpRequest, WorkerResponse } from './background-response.js';
import { discard, readAll } from './body-sinks.js';
import type { Cancellation } from './cancellation.js';
import { acceptEncoding } from './decode.js';
import { failure } from './failures.js';
import { open } from './http.js';

export async function followUp(
  follow: FollowUpRequest,
  base: string | undefined,
  transport: TransportSpec,
  signal: Cancellation,
  setup: string | undefined,
): Promise<BackgroundResponse> {
  if (follow === null || typeof follow !== 'object') throw new InvalidArgumentError('ctx.request(spec) needs an object with at least { url }');
  if (typeof follow.url !== 'string' && !(follow.url instanceof URL)) {
    throw new InvalidArgumentError(`ctx.request: url must be a string or a URL, got ${follow.url === undefined ? 'none' : typeof follow.url}`);
  }
  if (follow.json !== undefined && follow.body !== undefined) throw new InvalidArgumentError('ctx.request: pass json or body, not both');
  const url = new URL(follow.url, base).href;
  const method = (follow.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(follow.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['accept-encoding'] ??= acceptEncoding;
  let body = follow.body;
  if (follow.json !== undefined) {
    body = JSON.stringify(follow.json);
    headers['content-type'] ??= 'application/json';
  }
  const ref: RequestRef = { method, url };
  const opened = await open({ method, url, headers, body, transport, setup }, signal);
  try {
    return new WorkerResponse({ ...opened, body: await readAll(opened.body, transport.maxResponseSize, ref) });
  } catch (error) {
    discard(opened.body);
    throw failure(error, signal, ref, transport, 'body');
  }
}
