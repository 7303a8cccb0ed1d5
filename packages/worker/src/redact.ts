/** What debug logs may show of a request: credentials never appear in them. */

/** Header names whose values are secrets. */
const secretHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** A copy of `headers` with the values of credential headers replaced by `[redacted]`. */
export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = Object.create(null);
  for (const name of Object.keys(headers)) out[name] = secretHeaders.has(name.toLowerCase()) ? '[redacted]' : headers[name];
  return out;
}

/** The URL without its user and password (`http://[redacted]@host/`); text that is not a URL is kept. */
export function redactUrl(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = 'redacted';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}
