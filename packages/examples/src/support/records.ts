/**
 * The data the examples move around: catalogue records, made deterministically by the server and
 * reduced by the clients. The reduction is one function, used on the main thread and in callbacks,
 * so both ways of computing it give the same answer.
 */

/** One record of a catalogue page. `price` is in cents, so sums are exact. */
export interface Item {
  readonly id: number;
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly qty: number;
  readonly tags: readonly string[];
}

/** A catalogue page as the server sends it. */
export interface Catalogue {
  readonly page: number;
  readonly items: readonly Item[];
}

/** What a reducing callback returns instead of the page: a few numbers, whatever the body's size. */
export interface Summary {
  readonly page: number;
  readonly count: number;
  /** Sum of price * qty, in cents. */
  readonly value: number;
  readonly maxPrice: number;
  /** How many items carry the tag `sale`. */
  readonly onSale: number;
}

const tagPool = ['new', 'sale', 'eco', 'bulk', 'gift', 'last'];

/** A page of `count` records, the same for the same `page`. `corrupt` makes one price negative. */
export function makeCatalogue(page: number, count: number, corrupt = false): Catalogue {
  let seed = (page * 2_654_435_761) >>> 0 || 1;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed;
  };
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const id = page * count + i;
    const r = next();
    items.push({
      id,
      sku: `SKU-${id.toString(36).toUpperCase().padStart(7, '0')}`,
      name: `item ${id}`,
      price: 100 + (r % 99_900),
      qty: 1 + (r % 37),
      tags: [tagPool[r % tagPool.length] as string, tagPool[(r >>> 8) % tagPool.length] as string],
    });
  }
  if (corrupt && items.length > 0) items[items.length >> 1] = { ...(items[items.length >> 1] as Item), price: -1 };
  return { page, items };
}

/** A {@link Summary} built one item at a time: the reduction both sides run, whole pages or streamed items. */
export class SummaryBuilder {
  count = 0;
  value = 0;
  maxPrice = 0;
  onSale = 0;

  add(item: Item): void {
    this.count += 1;
    this.value += item.price * item.qty;
    if (item.price > this.maxPrice) this.maxPrice = item.price;
    if (item.tags.includes('sale')) this.onSale += 1;
  }

  result(page: number): Summary {
    return { page, count: this.count, value: this.value, maxPrice: this.maxPrice, onSale: this.onSale };
  }
}

/** The reduction both sides run. */
export function summarize(catalogue: Catalogue): Summary {
  const builder = new SummaryBuilder();
  for (const item of catalogue.items) builder.add(item);
  return builder.result(catalogue.page);
}

/** Items per page of the streamed catalogue: its items are those of pages 0, 1, 2, ... of this size. */
export const streamPageSize = 1_000;

/** A customer note carried by each streamed item (about 150 characters): text that makes the document large. */
export function noteOf(id: number): string {
  const words = ['fast', 'sturdy', 'light', 'blue', 'arrived', 'late', 'works', 'great', 'as', 'described'];
  let note = `review ${id}:`;
  for (let k = 0; note.length < 150; k++) note += ` ${words[(id + k * 7) % words.length]}`;
  return note;
}

/** The summary of the first `count` items of the streamed catalogue, computed page by page without the JSON. */
export function streamedSummary(count: number): Summary {
  const builder = new SummaryBuilder();
  for (let page = 0; page * streamPageSize < count; page++) {
    for (const item of makeCatalogue(page, streamPageSize).items.slice(0, count - page * streamPageSize)) builder.add(item);
  }
  return builder.result(0);
}
