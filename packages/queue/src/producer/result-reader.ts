/**
 * Reads this producer's results so that none is lost to a dropped connection: each result is moved
 * (BLMOVE, atomically in Redis) from the result list into this producer's processing list, handed to
 * the executor, and only then removed from there (LREM: the ack). A result whose move was done in Redis
 * but whose reply never arrived stays in the processing list: every time the connection is (re)made,
 * the reader first hands over what is there. A result may so be handed over twice; the executor settles
 * each job once and drops the second.
 *
 * The blocking move has a finite timeout, and a watchdog: a connection that answers nothing for the
 * timeout plus {@link graceMs} (half-open TCP: the peer is gone and no packet says so) is dropped and
 * made again; ioredis then sends the move again on the new connection.
 */
import { debuglog } from 'node:util';
import type { Redis } from 'ioredis';

const log = debuglog('threadfetch');

/** Past the blocking timeout, how long an unanswered move waits before its connection is declared dead. */
export const graceMs = 2_000;

/** Moves up to ARGV[1] more results into the processing list and sets its TTL (ARGV[2] ms): one round trip. */
const moveMore = `local out = {}
for i = 1, tonumber(ARGV[1]) do
  local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not v then break end
  out[i] = v
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return out`;

/** Results moved at once after the first. */
const batch = 255;

export interface ResultReaderOptions {
  /** The blocking connection, this reader's alone. */
  readonly redis: Redis;
  /** Where worker processes push this producer's results. */
  readonly results: string;
  /** Where results wait between their move and their ack. */
  readonly processing: string;
  /** TTL of the processing list, ms (a producer that died leaves no garbage). */
  readonly ttlMs: number;
  /** Timeout of one blocking move, ms. */
  readonly blockMs: number;
  /** true once the executor shuts down: the loop ends. */
  readonly done: () => boolean;
  /** Handles results in order; never throws. */
  readonly onBatch: (batch: readonly Buffer[]) => void;
}

export class ResultReader {
  readonly #o: ResultReaderOptions;
  /** Set on each (re)connect: the processing list is handed over before the next move. */
  #recover = true;

  constructor(options: ResultReaderOptions) {
    this.#o = options;
    options.redis.on('ready', () => {
      this.#recover = true;
    });
  }

  /** The read loop; resolves once `done()` (after destroy() disconnects). */
  async run(): Promise<void> {
    const { redis, results, processing, ttlMs, blockMs, done } = this.#o;
    while (!done()) {
      try {
        if (this.#recover) {
          this.#recover = false;
          const left = await redis.lrangeBuffer(processing, 0, -1);
          if (left.length > 0) log('handing over %d results left in the processing list', left.length);
          await this.#handle(left);
        }
        const first = await this.#watched(redis.blmoveBuffer(results, processing, 'LEFT', 'RIGHT', blockMs / 1000));
        if (!first) continue;
        const more = (await redis.callBuffer('EVAL', moveMore, 2, results, processing, batch, ttlMs)) as Buffer[];
        await this.#handle([first, ...more]);
      } catch (error) {
        if (done()) break;
        this.#recover = true;
        log('reading results failed: %o', error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Hands `items` to the executor, then acks them (removes them from the processing list). */
  async #handle(items: readonly Buffer[]): Promise<void> {
    if (items.length === 0) return;
    this.#o.onBatch(items);
    const ack = this.#o.redis.multi();
    for (const item of items) ack.lrem(this.#o.processing, 1, item);
    await ack.exec();
  }

  /**
   * `move`, with its connection dropped and made again each time it stays unanswered past its timeout
   * plus graceMs. The watchdog never keeps the process alive, and stops once the executor shuts down:
   * a move left waiting on a connection destroy() ended may never settle.
   */
  async #watched(move: Promise<Buffer | null>): Promise<Buffer | null> {
    const { redis, blockMs, done } = this.#o;
    const timer = setInterval(() => {
      if (done()) {
        clearInterval(timer);
        return;
      }
      if (redis.status !== 'ready') return;
      log('the result connection answered nothing for %d ms: reconnecting', blockMs + graceMs);
      redis.disconnect(true);
    }, blockMs + graceMs).unref();
    try {
      return await move;
    } finally {
      clearInterval(timer);
    }
  }
}
