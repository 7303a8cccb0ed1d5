/**
 * The soak (`pnpm soak`, outside the test suite): sends many small requests through one session,
 * keeping a bounded number in flight, and samples the main thread's memory as it goes, to show it
 * stays flat. Bounded in count (`--requests`, default 200,000) and in time (`--max-seconds`, default
 * 600): it stops by itself at whichever comes first, and exits non-zero if any request failed or the
 * heap grew past `--max-growth-mb` (default 64) between the first and last tenth of the run.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { FuturesSession } from '@threadfetch/core';
import type { ListeningMessage } from './server.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    'in-flight': { type: 'string', default: '256' },
    'max-seconds': { type: 'string', default: '600' },
    'max-growth-mb': { type: 'string', default: '64' },
  },
});
function positive(name: keyof typeof values, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new TypeError(`--${name} must be an integer from 1 to ${max}, got ${values[name]}`);
  return n;
}
const total = positive('requests', 10_000_000);
const inFlight = positive('in-flight', 10_000);
const maxSeconds = positive('max-seconds', 3_600);
const maxGrowthMb = positive('max-growth-mb', 4_096);

const server = fork(new URL('./server.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const [listening] = (await once(server, 'message')) as [ListeningMessage];
const session = new FuturesSession({ baseURL: `http://127.0.0.1:${listening.port}` });

interface Sample {
  readonly sent: number;
  readonly seconds: number;
  readonly rssMb: number;
  readonly heapMb: number;
}
const samples: Sample[] = [];
const mb = (bytes: number) => bytes / 1024 / 1024;
const started = performance.now();
const deadline = started + maxSeconds * 1000;
const every = Math.max(1, Math.floor(total / 20));
let sent = 0;
let done = 0;
let failed = 0;

function sample(): void {
  const { rss, heapUsed } = process.memoryUsage();
  samples.push({ sent, seconds: (performance.now() - started) / 1000, rssMb: mb(rss), heapMb: mb(heapUsed) });
  process.stderr.write(`\rsoak: ${sent.toLocaleString('en')} / ${total.toLocaleString('en')} sent, heap ${mb(heapUsed).toFixed(1)} MB   `);
}

async function lane(): Promise<void> {
  while (sent < total && performance.now() < deadline) {
    sent += 1;
    if (sent % every === 0) sample();
    try {
      const res = await session.get('/small', { background: 'json', keepBody: false });
      if (res.status !== 200) failed += 1;
    } catch {
      failed += 1;
    }
    done += 1;
  }
}

sample();
await Promise.all(Array.from({ length: inFlight }, lane));
sample();
process.stderr.write('\n');
const stats = session.stats();
await session.close();
server.disconnect();

const seconds = (performance.now() - started) / 1000;
console.log(`soak: ${done.toLocaleString('en')} requests in ${seconds.toFixed(1)} s (${Math.round(done / seconds).toLocaleString('en')}/s), ${failed} failed`);
console.log(`latency ms: p50 ${stats.latency.p50.toFixed(2)}, p99 ${stats.latency.p99.toFixed(2)}, max ${stats.latency.max.toFixed(2)}`);
console.log('sent        seconds   rss MB   heap MB');
for (const s of samples) {
  console.log(`${String(s.sent).padStart(9)}   ${s.seconds.toFixed(1).padStart(7)}   ${s.rssMb.toFixed(1).padStart(6)}   ${s.heapMb.toFixed(1).padStart(7)}`);
}
const tenth = Math.max(1, Math.floor(samples.length / 10));
const avg = (xs: Sample[]) => xs.reduce((sum, s) => sum + s.heapMb, 0) / xs.length;
const growth = avg(samples.slice(-tenth)) - avg(samples.slice(1, 1 + tenth));
console.log(`heap growth from the first to the last tenth of the run: ${growth.toFixed(1)} MB (limit ${maxGrowthMb} MB)`);
if (failed > 0 || growth > maxGrowthMb) process.exitCode = 1;
