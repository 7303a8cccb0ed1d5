/**
 * Request deadlines on one timer instead of a `setTimeout` per request. Requests with the same
 * timeout expire in the order they were made, so each timeout value keeps a list in deadline order:
 * adding and removing are O(1), and the one timer is set for the earliest head. The timer keeps the
 * process alive exactly while a deadline is pending, as a timer per request did.
 */

/** What has a deadline: told when it passes. */
export interface Expiring {
  expire(): void;
}

/** A pending deadline; its owner's `expire` runs when it passes, unless it was removed first. */
export interface Deadline {
  readonly at: number;
  readonly ms: number;
  readonly owner: Expiring;
  prev: Deadline | undefined;
  next: Deadline | undefined;
}

interface List {
  head: Deadline | undefined;
  tail: Deadline | undefined;
}

/** Pending deadlines by timeout value. */
const lists = new Map<number, List>();
let timer: NodeJS.Timeout | undefined;
/** When the timer fires (performance.now() ms); Infinity when it is not set. */
let armedAt = Number.POSITIVE_INFINITY;

/** Runs `owner.expire()` in `ms` milliseconds, unless {@link removeDeadline} comes first. */
export function addDeadline(ms: number, owner: Expiring): Deadline {
  const deadline: Deadline = { at: performance.now() + ms, ms, owner, prev: undefined, next: undefined };
  let list = lists.get(ms);
  if (!list) {
    list = { head: undefined, tail: undefined };
    lists.set(ms, list);
  }
  deadline.prev = list.tail;
  if (list.tail) list.tail.next = deadline;
  else list.head = deadline;
  list.tail = deadline;
  if (deadline.at < armedAt) arm(deadline.at);
  return deadline;
}

export function removeDeadline(deadline: Deadline): void {
  const list = lists.get(deadline.ms);
  if (!list) return;
  if (deadline.prev) deadline.prev.next = deadline.next;
  else if (list.head === deadline) list.head = deadline.next;
  else return; // not in the list: expired or removed already
  if (deadline.next) deadline.next.prev = deadline.prev;
  else list.tail = deadline.prev;
  deadline.prev = deadline.next = undefined;
  if (list.head === undefined) lists.delete(deadline.ms);
  // A timer left set would keep the process alive; one set too early only finds nothing due.
  if (lists.size === 0) disarm();
}

function arm(at: number): void {
  clearTimeout(timer);
  armedAt = at;
  timer = setTimeout(sweep, Math.max(1, Math.ceil(at - performance.now())));
}

function disarm(): void {
  clearTimeout(timer);
  timer = undefined;
  armedAt = Number.POSITIVE_INFINITY;
}

/** Expires every deadline that has passed, then sets the timer for the next one. */
function sweep(): void {
  timer = undefined;
  armedAt = Number.POSITIVE_INFINITY;
  const now = performance.now();
  const due: Deadline[] = [];
  let next = Number.POSITIVE_INFINITY;
  for (const list of lists.values()) {
    let head = list.head;
    while (head !== undefined && head.at <= now) {
      due.push(head);
      head = head.next;
    }
    if (head !== undefined && head.at < next) next = head.at;
  }
  for (const deadline of due) removeDeadline(deadline);
  if (next !== Number.POSITIVE_INFINITY && next < armedAt) arm(next);
  for (const deadline of due) deadline.owner.expire();
}
