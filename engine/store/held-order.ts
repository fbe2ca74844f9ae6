// The order a batch's held readings are kept and put out in: by reading id (meter id, then day).
// A commit inserts them so: the held table's indexes (meter, reading, batch, open) then each take
// the batch's rows at neighbouring places instead of random ones (a batch holding 65,536 readings
// dirtied nearly every page of the meter and reading indexes once per row; 800,000 held rows in a
// bare SQLite insert loop: 17.7 s in decision order, 6.2 s sorted, 4.4 s without those indexes).
// And a batch's held rows are written out so (runtime/emit.ts), by the run that decided it and by
// whoever reads it back from the store (export, a worker publishing it again after a crash): the
// same rows in the same order, so a batch published again is cut into the same messages.
import type { HeldRecord } from "./contract.js";

/** `items` sorted by their reading id; two of one reading (a conflict) keep their order. Sorted already: `items` itself. */
export function inReadingOrder<T>(items: readonly T[], idOf: (item: T) => string): readonly T[] {
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = idOf(items[i - 1]) <= idOf(items[i]);
  if (sorted) return items;
  // Array.prototype.sort is stable.
  return [...items].sort((a, b) => {
    const x = idOf(a);
    const y = idOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** The reading id of a held record (inReadingOrder's key for a commit). */
export const heldRecordId = (h: HeldRecord): string => h.readingId;

/**
 * Puts a batch's held records and their rows (parallel arrays, as a decision makes them) in
 * reading-id order together, in place, once: the commit and the batch's lines then find them
 * sorted (a check, not a second sort).
 */
export function sortHeldTogether<R>(held: HeldRecord[], rows: R[]): void {
  const positions = held.map((_, i) => i);
  const order = inReadingOrder(positions, (i) => held[i].readingId);
  // Sorted already: inReadingOrder gave the same array back.
  if (order === positions) return;
  const [h, r] = [order.map((i) => held[i]), order.map((i) => rows[i])];
  for (let k = 0; k < order.length; k++) {
    held[k] = h[k];
    rows[k] = r[k];
  }
}
