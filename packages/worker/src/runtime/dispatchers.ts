/**
 * The worker's undici dispatchers: one per distinct connection setting (connect timeout, TLS, HTTP/2,
 * proxy, retry policy), each an Agent or proxy agent, composed with undici's retry interceptor when a
 * retry policy is set. Passed explicitly to every request; redirects are followed in http.ts, hop by hop.
 * A session's setup module may put a dispatcher of its own between the retry interceptor and the Agent.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent, interceptors, Pool, ProxyAgent } from 'undici';
import { debugLog as log } from '../debug-log.js';
import type { RequestRef } from '../errors.js';
import type { AgentSettings, TransportSpec } from '../protocol/messages.js';
import { phaseTimers, preciseConnector } from './phase-timers.js';
import { proxyToken } from './proxy-auth.js';
import type { RequestLog } from './request-log.js';
import { retryPolicy } from './retry-policy.js';
import { customDispatcher, forRequest, loadSetup } from './setup.js';

let settings: AgentSettings = { connectionsPerOrigin: undefined, keepAliveTimeout: 4_000 };
const pools = new Map<string, Dispatcher>();
/** The Agents, one per connection setting, before the retry interceptor. */
const roots = new Map<string, Dispatcher>();
/** Dispatchers made by setup modules, by module and connection setting. */
const customs = new Map<string, Promise<Dispatcher>>();

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

/**
 * The dispatcher for a request of a session with a setup module: what the module's `dispatcher()`
 * made of the Agent for these settings (the Agent itself when it exports none), under the retry
 * interceptor. `dispatcher()` is called once per connection setting in this worker.
 */
export async function setupDispatcherFor(transport: TransportSpec, href: string, request: RequestRef): Promise<Dispatcher> {
  const key = `${href}\n${transport.poolKey}`;
  let made = customs.get(key);
  if (!made) {
    made = makeCustom(transport, href);
    customs.set(key, made);
  }
  try {
    return await made;
  } catch (error) {
    throw forRequest(error, request);
  }
}

async function makeCustom(transport: TransportSpec, href: string): Promise<Dispatcher> {
  const fn = await loadSetup(href);
  if (!fn) return dispatcherFor(transport);
  return withRetry(await customDispatcher(href, fn, rootFor(transport)), transport);
}

function create(transport: TransportSpec): Dispatcher {
  return withRetry(rootFor(transport), transport);
}

/** The Agent (or proxy agent) for these connection settings, one per `poolKey`. */
function rootFor(transport: TransportSpec): Dispatcher {
  let root = roots.get(transport.poolKey);
  if (!root) {
    root = createRoot(transport);
    roots.set(transport.poolKey, root);
  }
  return root;
}

function createRoot(transport: TransportSpec): Dispatcher {
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
  return root;
}

/** Phase timeouts on time (phase-timers.ts), and retries when asked for, above `dispatcher`. */
function withRetry(dispatcher: Dispatcher, transport: TransportSpec): Dispatcher {
  if (!transport.retry) return dispatcher.compose(phaseTimers);
  return dispatcher.compose(
    phaseTimers,
    interceptors.retry({
      ...transport.retry,
      methods: [...transport.retry.methods],
      statusCodes: [...transport.retry.statusCodes],
      errorCodes: [...transport.retry.errorCodes],
      retry: reported(retryPolicy(transport.retry)),
      throwOnError: false,
    } as never),
  );
}

type Decide = ReturnType<typeof retryPolicy>;

/** The retry decision, telling the request's log (http.ts passes it in the request options) of each retry made. */
function reported(decide: Decide): Decide {
  return (error, context, done) =>
    decide(error, context, (refused) => {
      if (refused === null) {
        const opts = context.opts as { requestLog?: RequestLog; origin?: string; path?: string };
        opts.requestLog?.retry(context.state.counter, error);
        if (log.enabled) log('retry %d of %s %s%s after %s', context.state.counter, context.opts.method, opts.origin, opts.path, reason(error));
      }
      done(refused);
    });
}

function reason(error: unknown): string {
  const { statusCode, code, message } = (error ?? {}) as { statusCode?: number; code?: string; message?: string };
  return statusCode !== undefined ? `status ${statusCode}` : (code ?? message ?? String(error));
}

/** Closes every connection pool of this worker. */
export async function closeDispatchers(): Promise<void> {
  await Promise.all([...roots.values()].map((d) => d.close()));
}
