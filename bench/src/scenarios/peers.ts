/**
 * `--peers`: Python's requests-futures and geventhttpclient against the same server, when installed
 * (Debian: python3-requests-futures, python3-geventhttpclient), next to undici on the main thread
 * measured just before. Small responses, 64 in flight. A peer that is not installed is reported as skipped.
 */
import { execFileSync } from 'node:child_process';
import { inFlight, undiciClient } from '../clients/clients.js';
import type { Context } from './context.js';
import { throughputInFlight } from './throughput.js';

/** One peer's throughput, or why it did not run. */
export interface PeerResult {
  readonly client: string;
  /** Requests per second, or why it did not run. */
  readonly perSecond: number | string;
  /** Over undici's requests per second, measured in the same scenario. */
  readonly vsUndici: number | undefined;
}

interface Peer {
  readonly module: string;
  readonly script: string;
}

const peerScripts: Record<string, Peer> = {
  'requests-futures': {
    module: 'requests_futures',
    script: `
import sys, time
from requests_futures.sessions import FuturesSession
url, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = FuturesSession(max_workers=k)
[f.result() for f in [s.get(url) for _ in range(200)]]
t = time.perf_counter()
[f.result() for f in [s.get(url) for _ in range(n)]]
print(n / (time.perf_counter() - t))`,
  },
  geventhttpclient: {
    module: 'geventhttpclient',
    script: `
import sys, time
import gevent.pool
from geventhttpclient import HTTPClient, URL
url, n, k = URL(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = HTTPClient.from_url(url, concurrency=k)
pool = gevent.pool.Pool(k)
def one(_): c.get(url.request_uri).read()
pool.map(one, range(200))
t = time.perf_counter()
pool.map(one, range(n))
print(n / (time.perf_counter() - t))`,
  },
};

function python(args: readonly string[], timeout: number): string {
  return execFileSync('python3', args, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

function whyFailed(error: unknown): string {
  const e = error as { code?: string; stderr?: string; signal?: string };
  if (e.code === 'ENOENT') return 'python3 not found';
  if (e.signal === 'SIGTERM') return 'timed out';
  return (
    String(e.stderr || error)
      .trim()
      .split('\n')
      .pop() ?? 'failed'
  );
}

/** Runs each installed peer once (2,000 requests with `--quick`, else 6,000; at most 2 minutes each). */
export async function peers(ctx: Context): Promise<PeerResult[]> {
  const n = ctx.quick ? 2_000 : 6_000;
  const url = `${ctx.server.url}/small`;
  const undici = undiciClient();
  let undiciRps: number;
  try {
    ctx.step('peers: undici (main thread)');
    await inFlight(1_000, throughputInFlight, () => undici.get(url));
    const started = performance.now();
    await inFlight(n, throughputInFlight, () => undici.get(url));
    undiciRps = (n / (performance.now() - started)) * 1000;
  } finally {
    await undici.close();
  }
  const results: PeerResult[] = [{ client: 'undici (main thread)', perSecond: undiciRps, vsUndici: 1 }];
  for (const [client, peer] of Object.entries(peerScripts)) {
    ctx.step(`peers: ${client}`);
    try {
      python(['-c', `import ${peer.module}`], 20_000);
    } catch (error) {
      results.push({ client, perSecond: `skipped (${whyFailed(error)})`, vsUndici: undefined });
      continue;
    }
    try {
      const perSecond = Number(python(['-c', peer.script, url, String(n), String(throughputInFlight)], 120_000).trim());
      results.push({ client, perSecond, vsUndici: perSecond / undiciRps });
    } catch (error) {
      results.push({ client, perSecond: `failed (${whyFailed(error)})`, vsUndici: undefined });
    }
  }
  return results;
}
