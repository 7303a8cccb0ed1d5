/** Background callbacks for plain text, loaded once in each worker thread. */
import type { BackgroundResponse } from '@threadfetch/worker';

/** Counts lines, words and the most frequent word; the text itself stays in the worker with `keepBody: false`. */
export function countWords(res: BackgroundResponse): { lines: number; words: number; top: string | undefined } {
  const text = res.text();
  const counts = new Map<string, number>();
  for (const word of text.split(/\s+/)) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  let top: string | undefined;
  for (const [word, n] of counts) if (top === undefined || n > (counts.get(top) ?? 0)) top = word;
  let words = 0;
  for (const n of counts.values()) words += n;
  return { lines: text.split('\n').filter(Boolean).length, words, top };
}
