/**
 * Testing code that uses threadfetch (docs/testing.md): a node:test suite for `services/inventory.ts`
 * whose session takes its answers from a MockAgent, installed in each worker by the `setup` module.
 * No server, no network. `node dist/testing.js` runs it; a failed test exits non-zero.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FuturesSession } from '@threadfetch/core';
import { totalStock } from './services/inventory.js';

describe('totalStock', () => {
  const session = new FuturesSession({
    baseURL: 'https://inventory.example.com',
    setup: new URL('./services/mock-inventory.js', import.meta.url),
    maxWorkers: 1,
  });
  after(() => session.close());

  it('adds up the stock of each item', async () => {
    assert.equal(await totalStock(session, ['apple', 'pear']), 7);
  });

  it('counts a missing item as zero', async () => {
    assert.equal(await totalStock(session, ['apple', 'plum']), 3);
  });

  it('rejects when the inventory fails', async () => {
    await assert.rejects(totalStock(session, ['apple', 'broken']), /inventory answered 500/);
  });

  it('never reaches the network: what is not mocked fails', async () => {
    await assert.rejects(session.get('/items/unknown'), { code: 'TF_ERR_NETWORK' });
  });
});
