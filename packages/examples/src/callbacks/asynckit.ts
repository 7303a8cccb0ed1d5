/** The work asynckit's README hands its pool, as exports that `session.run` calls on the worker threads. */
import type { ResponseSnapshot, RunContext } from '@threadfetch/worker';

/** asynckit's `download_url`: the page at `url`, fetched from this worker (its connection pool). */
export async function downloadUrl(this: RunContext, url: string): Promise<string> {
  const res = await this.request({ url });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.text();
}

/** asynckit's chained `work(a, 1, b, 2)`. */
export function work(a: string, x: number, b: string, y: number): string {
  return `${a}, ${x}, ${b}, ${y}`;
}

/** The words of a downloaded page. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The title of an HTML page: a request's response, handed over as a ResponseSnapshot. */
export function titleOf(res: ResponseSnapshot): string {
  return /<title>([^<]*)<\/title>/.exec(new TextDecoder().decode(res.body))?.[1] ?? '(no title)';
}
