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

/** The reduction both sides run. */
export function summarize(catalogue: Catalogue): Summary {
  let value = 0;
  let maxPrice = 0;
  let onSale = 0;
  for (const item of catalogue.items) {
    value += item.price * item.qty;
    if (item.price > maxPrice) maxPrice = item.price;
    if (item.tags.includes('sale')) onSale += 1;
  }
  return { page: catalogue.page, count: catalogue.items.length, value, maxPrice, onSale };
}
