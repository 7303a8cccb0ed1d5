/**
 * Proxy credentials, as `proxy-authorization: Basic ...`. undici's ProxyAgent sends them only when the
 * proxy URL has both a user and a password, so `http://user:@proxy` sent none; requests sends
 * `Basic dXNlcjo=` (`user:`), and so does threadfetch, as the agent's `token`.
 */

/** The Basic credentials of a proxy URL with a user name; undefined without one. */
function basic(uri: string): string | undefined {
  const url = new URL(uri);
  if (url.username === '') return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
}

/**
 * The `token` option for an agent whose proxies are `uris` (one, or the HTTP and HTTPS ones of the
 * environment, which share the agent's options): set when they all carry the same credentials.
 */
export function proxyToken(...uris: (string | undefined)[]): { token?: string } {
  const tokens = new Set(uris.filter((uri) => uri !== undefined).map(basic));
  const [token] = tokens;
  return tokens.size === 1 && token !== undefined ? { token } : {};
}
