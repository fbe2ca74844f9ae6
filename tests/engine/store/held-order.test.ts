// The order a batch's held readings are kept and written in (engine/store/held-order.ts): by
// reading id, two of one reading (a conflict) in the order they were held; a decision's held
// records and their rows put in that order together.
import { describe, expect, it } from "vitest";
import { heldRecordId, inReadingOrder, sortHeldTogether } from "../../../engine/store/held-order.js";
import type { HeldRecord } from "../../../engine/store/contract.js";

const record = (readingId: string, value: number): HeldRecord => ({
  readingId, meterId: readingId.split("@")[0], endDay: 0, reasons: "conflict", line: "", value, override: Number.NaN, source: 0, verification: 0,
});

/** xorshift32: the same seed, the same shuffle. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe("held order", () => {
  it("sorts by reading id and keeps the order of two of one reading", () => {
    const held = [record("B@2026-11-05", 1), record("A@2026-11-06", 2), record("B@2026-11-05", 3), record("A@2026-11-03", 4)];
    expect(inReadingOrder(held, heldRecordId).map((h) => h.value)).toEqual([4, 2, 1, 3]);
    // Sorted already: the same array, not a copy.
    const sorted = inReadingOrder(held, heldRecordId);
    expect(inReadingOrder(sorted, heldRecordId)).toBe(sorted);
  });

  it("puts records and their rows in that order together, over random batches", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const ids = Array.from({ length: 40 }, (_, i) => `M-${i % 13}@2026-11-${String(1 + (i % 7)).padStart(2, "0")}`);
      const held = shuffled(ids, seed).map((id, i) => record(id, i));
      const rows = held.map((h) => ({ readingId: h.readingId, value: h.value }));
      const expected = inReadingOrder(held, heldRecordId).map((h) => h.value);
      sortHeldTogether(held, rows);
      expect(held.map((h) => h.value), `seed ${seed}`).toEqual(expected);
      expect(rows.map((r) => r.value), `seed ${seed}`).toEqual(expected);
      expect(rows.every((r, k) => r.readingId === held[k].readingId)).toBe(true);
      // Of one reading, in the order held (values were given in arrival order).
      for (let k = 1; k < held.length; k++) {
        if (held[k].readingId === held[k - 1].readingId) expect(held[k].value).toBeGreaterThan(held[k - 1].value);
      }
    }
  });
});
