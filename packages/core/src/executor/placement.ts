/**
 * Which lane a job goes to. A callback blocks its worker's event loop while it runs, and nothing else
 * on that worker is read meanwhile, so requests without a callback are kept away from workers doing
 * callback work: they go to the `io` lanes, and to `callback` lanes only while those have no callback
 * work. Requests with a callback go to `callback` lanes only, a worker not inside a callback first.
 * Within that, the least busy lane; never more than `concurrencyPerWorker` on one.
 */
import type { Job } from './job.js';
import { hasCallback, type Lane } from './lane.js';

/** A lane as placement sees it during one flush (its load counts what this flush has placed). */
export interface Slot {
  readonly lane: Lane;
  load: number;
  callbackJobs: number;
  /** Its worker is running a callback's synchronous part right now (from its heartbeat). */
  readonly inCallback: boolean;
}

export function slotsOf(lanes: Iterable<Lane>): Slot[] {
  const slots: Slot[] = [];
  for (const lane of lanes) {
    if (lane.stuck !== undefined) continue;
    slots.push({ lane, load: lane.jobs.size, callbackJobs: lane.callbackJobs, inCallback: lane.heartbeat.callbackSince !== 0 });
  }
  return slots;
}

/**
 * The slot for `job`, counted in; undefined when none can take it now (it waits). `pinned`: the thread
 * holding its origin's connection slot (`poolConnectionsPerOrigin`), which it must use while alive.
 */
export function place(job: Job, slots: readonly Slot[], limit: number, pinned?: number): Slot | undefined {
  const withCallback = hasCallback(job);
  const only = pinned === undefined ? undefined : slots.find((slot) => slot.lane.threadId === pinned);
  let best: Slot | undefined;
  let bestRank = 0;
  for (const slot of only ? [only] : slots) {
    if (slot.load >= limit) continue;
    if (only) {
      best = slot;
      break;
    }
    let rank: number;
    if (withCallback) {
      if (slot.lane.role === 'io') continue;
      rank = slot.inCallback ? 1 : 0;
    } else {
      rank = slot.lane.role === 'io' || (slot.callbackJobs === 0 && !slot.inCallback) ? 0 : 1;
    }
    if (best === undefined || rank < bestRank || (rank === bestRank && slot.load < best.load)) {
      best = slot;
      bestRank = rank;
    }
  }
  if (best) {
    best.load += 1;
    if (withCallback) best.callbackJobs += 1;
  }
  return best;
}
