/** HTTP inside the worker: one undici Agent per worker, always passed as the explicit dispatcher. */
import { Agent, request } from 'undici';
import { NetworkError, type RequestRef } from '../errors.js';
import type { AgentSettings } from '../protocol/messages.js';
import type { RawResponse } from './background-response.js';

let agent: Agent | undefined;

/** Creates the worker's Agent once; later calls return it. */
export function workerAgent(settings?: AgentSettings): Agent {
  if (!agent) {
    agent = new Agent({
      keepAliveTimeout: settings?.keepAliveTimeout ?? 4_000,
      ...(settings?.connectionsPerOrigin === undefined ? {} : { connections: settings.connectionsPerOrigin }),
    });
  }
  return agent;
}

/** What to send. Headers use lower-case names. */
export interface Outgoing {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string | undefined;
}

/** Marks reached while the response arrives. */
export interface Marks {
  headers: number;
  body: number;
}

/**
 * Sends one request and reads its whole body into one exact-size Uint8Array that owns its ArrayBuffer,
 * so the buffer can be transferred without dragging a shared pool along (FACTS.md).
 */
export async function send(out: Outgoing, signal: AbortSignal, marks: Marks): Promise<RawResponse> {
  const ref: RequestRef = { method: out.method, url: out.url };
  try {
    const res = await request(out.url, {
      dispatcher: workerAgent(),
      method: out.method as 'GET',
      headers: out.headers,
      body: out.body ?? null,
      signal,
    });
    marks.headers = performance.timeOrigin + performance.now();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      size += chunk.byteLength;
    }
    marks.body = performance.timeOrigin + performance.now();
    return {
      status: res.statusCode,
      statusText: (res as { statusText?: string }).statusText,
      headers: res.headers,
      url: out.url,
      redirected: false,
      body: concat(chunks, size),
    };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new NetworkError(`request failed: ${describe(error)}`, { cause: error, request: ref });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

/** Joins chunks into a fresh buffer of exactly `size` bytes. */
function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export async function closeAgent(): Promise<void> {
  await agent?.close();
}
