/**
 * Noticing a Redis that came back without its data (a restart without persistence, a failover to an
 * empty replica), which loses the jobs waiting there without a word. The producer keeps a key of its
 * own in Redis; each time its connection is ready again it sets the key only if it is absent (SET NX):
 * had Redis kept its data, the key would still be there, so setting it means the data was lost.
 */
import { debuglog } from 'node:util';
import type { Redis } from 'ioredis';

const log = debuglog('threadfetch');

export class DataLossWatch {
  readonly #redis: Redis;
  readonly #key: string;
  /** The key was set once: a later ready connection checks it. */
  #marked = false;
  readonly #lost: () => void;
  readonly #onReady = () => void this.#check();

  /** Watches `redis` (a connection that reconnects by itself); `onLost` runs each time the data was found lost. */
  constructor(redis: Redis, key: string, onLost: () => void) {
    this.#redis = redis;
    this.#key = key;
    this.#lost = onLost;
    redis.on('ready', this.#onReady);
    if (redis.status === 'ready') this.#onReady();
  }

  async #check(): Promise<void> {
    try {
      const set = await this.#redis.set(this.#key, '1', 'NX');
      if (!this.#marked) {
        this.#marked = true;
        return;
      }
      if (set === 'OK') {
        log('redis came back without its data (key %s was gone)', this.#key);
        this.#lost();
      }
    } catch (error) {
      log('could not check for lost redis data: %o', error);
    }
  }

  /** Stops watching and removes the key (bounded by the caller: Redis may be gone). */
  async stop(): Promise<void> {
    this.#redis.off('ready', this.#onReady);
    await this.#redis.del(this.#key);
  }
}
