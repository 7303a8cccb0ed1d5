/**
 * The setup module of `testing.ts`: each worker serves the inventory API from an undici MockAgent.
 * `disableNetConnect()` makes any request that is not mocked fail instead of reaching the network.
 */
import { MockAgent } from 'undici';

const agent = new MockAgent();
agent.disableNetConnect();
const inventory = agent.get('https://inventory.example.com');
inventory.intercept({ path: '/items/apple' }).reply(200, { sku: 'apple', stock: 3 }).persist();
inventory.intercept({ path: '/items/pear' }).reply(200, { sku: 'pear', stock: 4 }).persist();
inventory.intercept({ path: '/items/plum' }).reply(404, { error: 'no such item' }).persist();
inventory.intercept({ path: '/items/broken' }).reply(500, 'upstream fell over').persist();

export function dispatcher() {
  return agent;
}
