/**
 * The worker's undici dispatchers: one per distinct connection setting (connect timeout, TLS, HTTP/2,
 * proxy, retry policy), each an Agent or proxy agent, composed with undici's retry interceptor when a
 * retry policy is set. Passed explicitly to every request; redirects are followed in http.ts, hop by hop.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent, interceptors, Pool, ProxyAgent } from 'undici';
import type { AgentSettings, TransportSpec } from '../protocol/messages.js';
import { phaseTimers, preciseConnector } from './phase-timers.js';
import { proxyToken } from './proxy-auth.js';
import { retryPolicy } from './retry-policy.js';

let settings: AgentSettings = { connectionsPerOrigin: undefined, keepAliveTimeout: 4_000 };
const pools = new Map<string, Dispatcher>();
const roots: Dispatcher[] = [];

/** Sets the pool settings for this worker's Agents; called once at worker start. */
export function configureAgents(next: AgentSettings): void {
  settings = next;
}

/** The dispatcher for a transport; the same settings (`poolKey`) always get the same connection pool. */
export function dispatcherFor(transport: TransportSpec): Dispatcher {
  let dispatcher = pools.get(transport.poolKey);
  if (!dispatcher) {
    dispatcher = create(transport);
    pools.set(transport.poolKey, dispatcher);
  }
  return dispatcher;
}

function create(transport: TransportSpec): Dispatcher {
  const connect = { timeout: transport.connectTimeout, ...(transport.tls as object | undefined) };
  const options = {
    keepAliveTimeout: settings.keepAliveTimeout,
    allowH2: transport.http2,
    ...(settings.connectionsPerOrigin === undefined ? {} : { connections: settings.connectionsPerOrigin }),
  };
  const { proxy } = transport;
  let root: Dispatcher;
  // Connect timeouts on time (phase-timers.ts): to the origin, and to a proxy (its client's connector).
  const direct = preciseConnector({ ...connect, allowH2: transport.http2 }, transport.connectTimeout);
  const toProxy = preciseConnector({}, transport.connectTimeout);
  const clientFactory = (origin: URL, opts: object) => new Pool(origin, { ...opts, connect: toProxy });
  if (proxy === undefined) root = new Agent({ ...options, connect: direct });
  else if ('uri' in proxy)
    root = new ProxyAgent({
      ...options,
      ...proxyToken(proxy.uri),
      uri: proxy.uri,
      clientFactory,
      requestTls: connect,
      proxyTls: { timeout: transport.connectTimeout },
    });
  else {
    root = new EnvHttpProxyAgent({
      ...options,
      ...proxyToken(proxy.httpProxy, proxy.httpsProxy),
      connect: direct,
      clientFactory,
      ...(proxy.httpProxy === undefined ? {} : { httpProxy: proxy.httpProxy }),
      ...(proxy.httpsProxy === undefined ? {} : { httpsProxy: proxy.httpsProxy }),
      noProxy: proxy.noProxy ?? '',
      // Requests through a proxy get the TLS settings as requestTls; direct ones as connect.
      requestTls: connect,
      proxyTls: { timeout: transport.connectTimeout },
    });
  }
  roots.push(root);
  if (!transport.retry) return root.compose(phaseTimers);
  return root.compose(
    phaseTimers,
    interceptors.retry({
      ...transport.retry,
      methods: [...transport.retry.methods],
      statusCodes: [...transport.retry.statusCodes],
      errorCodes: [...transport.retry.errorCodes],
      retry: retryPolicy(transport.retry),
      throwOnError: false,
    } as never),
  );
}

/** Closes every connection pool of this worker. */
export async function closeDispatchers(): Promise<void> {
  await Promise.all(roots.map((d) => d.close()));
}
