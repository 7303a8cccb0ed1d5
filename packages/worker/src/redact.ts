/**
 * What errors, diagnostics messages and debug logs may show of a request: credentials never appear
 * in them. Used on both threads: error constructors, error serialization, diagnostics_channel
 * messages and NODE_DEBUG lines all go through these helpers.
 */
import type { RequestRef } from './errors.js';

/** Header names whose values are secrets. */
const secretHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** A copy of `headers` with the values of credential headers replaced by `[redacted]`. */
export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = Object.create(null);
  for (const name of Object.keys(headers)) out[name] = secretHeaders.has(name.toLowerCase()) ? '[redacted]' : headers[name];
  return out;
}

/**
 * The userinfo of a URL: after `scheme://`, up to the last `@` before the host ends. The user name
 * goes too: it is often a token itself (`https://<token>@host/`).
 */
const userinfo = /\b([a-z][a-z\d+.-]*:[/\\]{2})[^\s/\\?#]*@/gi;

/**
 * `url` with the user and password of its URL replaced by `[redacted]`:
 * `http://alice:secret@host/` becomes `http://[redacted]@host/`. Works on any text (an error
 * message, a stack) and rewrites every URL in it; text without credentials comes back as it is.
 */
export function redactUrl(url: string): string {
  if (!url.includes('@')) return url;
  return url.replace(userinfo, '$1[redacted]@');
}

/** `request` with the user and password in its URL replaced by `[redacted]`. */
export function redactRequest(request: RequestRef | undefined): RequestRef | undefined {
  if (request === undefined) return undefined;
  const url = redactUrl(request.url);
  return url === request.url ? request : { method: request.method, url };
}
