/**
 * `NODE_DEBUG=threadfetch` lines, written the same way on both threads: each starts with its time
 * (ISO 8601, UTC) and the id of the thread that wrote it, after Node's `THREADFETCH <pid>:` prefix.
 * Arguments are formatted only when the section is enabled.
 */
import { debuglog } from 'node:util';
import { threadId } from 'node:worker_threads';
import { redactHeaders } from './redact.js';

const section = debuglog('threadfetch');

export interface DebugLog {
  (format: string, ...args: unknown[]): void;
  /** true under `NODE_DEBUG=threadfetch`: check it before building costly arguments. */
  readonly enabled: boolean;
}

function write(format: string, ...args: unknown[]): void {
  if (section.enabled) section(`%s thread %d: ${format}`, new Date().toISOString(), threadId, ...args);
}

export const debugLog: DebugLog = Object.defineProperty(write, 'enabled', { get: () => section.enabled }) as DebugLog;

/** Headers as one line of JSON, credential values `[redacted]`: `{"accept":"text/html","authorization":"[redacted]"}`. */
export function headersLine(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  return JSON.stringify({ ...redactHeaders(headers) });
}
