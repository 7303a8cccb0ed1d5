/** Bounded waiting for things the server or a future will do; never a measure of speed. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestServer } from './server.js';

/** Polls `condition` until it holds; fails with `what` after `ms` (generous: only a hang trips it). */
export async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Waits until the server has received a request whose URL starts with `prefix`. */
export function waitForSeen(server: TestServer, prefix: string, count = 1): Promise<void> {
  return waitFor(() => seenCount(server, prefix) >= count, `the server to see ${count} request(s) to ${prefix}`);
}

/** How many requests the server received whose URL starts with `prefix`. */
export function seenCount(server: TestServer, prefix: string): number {
  return server.seen.filter((s) => s.url.startsWith(prefix)).length;
}

/** Lets pending macrotasks and microtasks run (unhandled-rejection detection happens between them). */
export async function settleTicks(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  await sleep(20);
}
