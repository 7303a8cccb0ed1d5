/** A route whose responses wait until the test releases them, and that records aborted connections. */
import type http from 'node:http';
import type { Handler } from './server.js';

export interface Hold {
  /** The route handler: keeps each response open. */
  readonly handler: Handler;
  /** Responses held now. */
  readonly waiting: number;
  /** Held responses whose connection the client closed before an answer was sent. */
  readonly aborted: number;
  /** Answers the oldest held response (200, `body`), or the oldest whose request URL includes `match`. */
  release(body?: string, match?: string): void;
  /** Answers every held response. */
  releaseAll(body?: string): void;
}

/** A held route; `never` responses are kept open for good (a server that stalls). */
export function hold(): Hold {
  const held: http.ServerResponse[] = [];
  const urls = new WeakMap<http.ServerResponse, string>();
  let aborted = 0;
  const answer = (res: http.ServerResponse | undefined, body: string) => {
    if (!res || res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  return {
    handler(req, res) {
      urls.set(res, req.url ?? '');
      held.push(res);
      res.on('close', () => {
        if (!res.writableFinished) aborted += 1;
        const at = held.indexOf(res);
        if (at >= 0) held.splice(at, 1);
      });
    },
    get waiting() {
      return held.length;
    },
    get aborted() {
      return aborted;
    },
    release(body = 'released', match?: string) {
      const at = match === undefined ? 0 : held.findIndex((res) => urls.get(res)?.includes(match));
      if (at < 0) throw new Error(`no held request matches ${match}`);
      answer(held.splice(at, 1)[0], body);
    },
    releaseAll(body = 'released') {
      for (const res of held.splice(0)) answer(res, body);
    },
  };
}
