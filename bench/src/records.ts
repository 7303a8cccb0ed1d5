/**
 * The JSON documents the bench server sends, and the one reduction every client applies to them
 * (count the records, sum a field), so that each client does exactly the same work wherever it runs.
 */

/** One record, the shape FACTS.md measured (about 100 bytes of JSON each). */
export interface Item {
  readonly id: number;
  readonly name: string;
  readonly tags: readonly string[];
  readonly price: number;
  readonly nested: { readonly x: number; readonly y: readonly number[] };
}

/** What a reducing callback returns instead of the document: two numbers, whatever the body's size. */
export interface Summary {
  readonly count: number;
  readonly sum: number;
}

/** Records in the ~2 MB document of the CPU-heavy scenario. */
export const bigRecords = 20_000;

/** The 24-byte JSON of the small-response scenarios. */
export const smallBody = '{"ok":true,"pad":"abcd"}';

/** Record number `i`, with a price of `1.5 * i`. */
export function makeItem(i: number): Item {
  return { id: i, name: `item${i}`, tags: ['a', 'b', 'c'], price: i * 1.5, nested: { x: i, y: [i, i + 1] } };
}

/** `{"items":[...]}` with `count` records. */
export function recordsDocument(count: number): string {
  return JSON.stringify({ items: Array.from({ length: count }, (_, i) => makeItem(i)) });
}

/** A records document of about `bytes` bytes (at least one record), built record by record. */
export function documentOfSize(bytes: number): string {
  const parts: string[] = [];
  let length = '{"items":[]}'.length;
  for (let i = 0; parts.length === 0 || length < bytes; i++) {
    const part = JSON.stringify(makeItem(i));
    parts.push(part);
    length += part.length + (parts.length > 1 ? 1 : 0);
  }
  return `{"items":[${parts.join(',')}]}`;
}

/** The reduction: count the records and sum their `price`. */
export function summarize(document: unknown): Summary {
  const items = (document as { items: readonly { price: number }[] }).items;
  let sum = 0;
  for (const item of items) sum += item.price;
  return { count: items.length, sum };
}

/** What {@link summarize} gives for a document of `count` records, to check each client did the work. */
export function expectedSummary(count: number): Summary {
  return { count, sum: (1.5 * count * (count - 1)) / 2 };
}

/** A deterministic sequence of numbers in [0, 1) from `seed` (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lightDelays = (() => {
  const next = seeded(17);
  return Array.from({ length: 1024 }, () => 5 + Math.floor(next() * 21));
})();

/** The delay of light request `i` of the `mixed` scenario: 5 to 25 ms, the same for `i` in every run. */
export function lightDelayMs(i: number): number {
  return lightDelays[i % lightDelays.length] as number;
}
