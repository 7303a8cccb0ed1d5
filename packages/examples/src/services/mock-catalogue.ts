/**
 * The setup module of the service's test (`service.ts`, part two): each worker answers the catalogue
 * API from a MockAgent, with the same deterministic pages the real upstream serves; page 13 fails with
 * a 503. Nothing else is mocked, and nothing reaches the network (disableNetConnect).
 */
import { MockAgent } from 'undici';
import { makeCatalogue } from '../support/records.js';

const agent = new MockAgent();
agent.disableNetConnect();
agent
  .get('http://catalogue.test')
  .intercept({ path: (path) => /^\/catalogue\/\d+\?count=\d+$/.test(path) })
  .reply(({ path }) => {
    const url = new URL(path, 'http://catalogue.test');
    const page = Number(url.pathname.split('/').pop());
    if (page === 13) return { statusCode: 503, data: 'catalogue page 13 is unavailable' };
    return {
      statusCode: 200,
      data: JSON.stringify(makeCatalogue(page, Number(url.searchParams.get('count')))),
      responseOptions: { headers: { 'content-type': 'application/json' } },
    };
  })
  .persist();

export function dispatcher() {
  return agent;
}
