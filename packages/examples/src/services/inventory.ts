/**
 * The code under test in `testing.ts`: a small piece of a service that asks an upstream inventory API
 * for several items at once through threadfetch and totals their stock. It knows nothing of mocks.
 */
import type { FuturesSession } from '@threadfetch/core';

export interface Item {
  readonly sku: string;
  readonly stock: number;
}

/** Total stock of `skus`; a missing item counts as zero, any other failure rejects. */
export async function totalStock(session: FuturesSession, skus: readonly string[]): Promise<number> {
  const futures = skus.map((sku) => session.get(`/items/${encodeURIComponent(sku)}`));
  let total = 0;
  for (const future of futures) {
    const res = await future;
    if (res.status === 404) continue;
    if (!res.ok) throw new Error(`inventory answered ${res.status} for ${res.url}`);
    total += res.json<Item>().stock;
  }
  return total;
}
