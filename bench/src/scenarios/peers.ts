/**
 * `--peers`: Python's requests-futures and geventhttpclient against the same server, when installed
 * (Debian: python3-requests-futures, python3-geventhttpclient). Small responses, 64 in flight.
 */
import { execFileSync } from 'node:child_process';
import type { Context } from './context.js';

export interface PeerResult {
  readonly client: string;
  /** Requests per second, or why it did not run. */
  readonly perSecond: number | string;
}

const scripts: Record<string, string> = {
  'requests-futures': `
import sys, time
from requests_futures.sessions import FuturesSession
url, n = sys.argv[1], int(sys.argv[2])
s = FuturesSession(max_workers=64)
[f.result() for f in [s.get(url) for _ in range(200)]]
t = time.perf_counter()
[f.result() for f in [s.get(url) for _ in range(n)]]
print(n / (time.perf_counter() - t))`,
  geventhttpclient: `
import sys, time
import gevent.pool
from geventhttpclient import HTTPClient, URL
url, n = URL(sys.argv[1]), int(sys.argv[2])
c = HTTPClient.from_url(url, concurrency=64)
pool = gevent.pool.Pool(64)
def one(_): c.get(url.request_uri).read()
pool.map(one, range(200))
t = time.perf_counter()
pool.map(one, range(n))
print(n / (time.perf_counter() - t))`,
};

export async function peers(ctx: Context): Promise<PeerResult[]> {
  const results: PeerResult[] = [];
  for (const [client, script] of Object.entries(scripts)) {
    ctx.step(`peers: ${client}`);
    try {
      const out = execFileSync('python3', ['-c', script, `${ctx.server.url}/small`, ctx.quick ? '2000' : '6000'], {
        encoding: 'utf8',
        timeout: 120_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      results.push({ client, perSecond: Number(out.trim()) });
    } catch (error) {
      const reason =
        String((error as { stderr?: string }).stderr ?? error)
          .trim()
          .split('\n')
          .pop() ?? 'failed';
      results.push({ client, perSecond: `skipped: ${reason}` });
    }
  }
  return results;
}
