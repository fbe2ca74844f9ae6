// The working set's id index (runtime/id-index.ts) against a Map: keys are added a range at a time
// and placed on the first lookup after, so lookups between, after and without loads, ids that
// share a hash's low bits (one partition's), ids not ASCII, and ids never added must all answer
// as the Map does.
import { describe, expect, it } from "vitest";
import { meterHash } from "../../../engine/store/contract.js";
import { IdIndex } from "../../../engine/runtime/id-index.js";
import { IdList } from "../../../engine/store/meter-table.js";
import { MeterIds } from "../../../engine/runtime/meter-ids.js";

function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) % n);
}

describe("IdIndex", () => {
  for (const seed of [1, 7, 42]) {
    it(`finds every id added in ranges, looked up between loads (seed ${seed})`, () => {
      const next = lcg(seed);
      const ids: string[] = [];
      const index = new IdIndex(new IdList(ids));
      const expected = new Map<string, number>();
      const absent = (i: number) => `absent-${seed}-${i}`;
      for (let load = 0; load < 40; load++) {
        const n = 1 + next(600);
        const first = ids.length;
        for (let i = 0; i < n; i++) {
          const id = next(10) === 0 ? `Zähler-${first + i}` : `M-${seed}-${first + i}`;
          ids.push(id);
          expected.set(id, first + i);
        }
        index.extend(first + n);
        expect(index.size).toBe(ids.length);
        // Some loads are followed by lookups, some not (placed later, in one go).
        if (next(3) === 0) continue;
        for (let q = 0; q < 50; q++) {
          const id = ids[next(ids.length)];
          expect(index.find(id, meterHash(id))).toBe(expected.get(id));
          expect(index.get(absent(q))).toBeUndefined();
        }
      }
      for (const [id, key] of expected) expect(index.get(id), id).toBe(key);
      expect(index.has(absent(-1))).toBe(false);
      expect([...index.keys()]).toEqual(ids);
    });
  }

  it("finds ids whose hashes agree modulo a partition count (one partition's working set)", () => {
    const ids: string[] = [];
    for (let i = 0; ids.length < 5000; i++) if (meterHash(`P-${i}`) % 16 === 3) ids.push(`P-${i}`);
    const index = new IdIndex(new IdList(ids));
    index.extend(2500);
    expect(index.get(ids[2499])).toBe(2499);
    expect(index.get(ids[2500])).toBeUndefined();
    index.extend(5000);
    for (let k = 0; k < ids.length; k++) expect(index.get(ids[k])).toBe(k);
  });

  it("does not shrink, and a reserve before placing keeps every key", () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `R-${i}`);
    const index = new IdIndex(new IdList(ids));
    index.extend(1000);
    expect(index.get("R-999")).toBe(999);
    index.extend(500);
    expect(index.size).toBe(1000);
    index.reserve(10_000);
    index.extend(3000);
    for (let k = 0; k < ids.length; k++) expect(index.get(ids[k])).toBe(k);
  });

  it("finds ids given as UTF-8 bytes as it finds their strings, over ids held as bytes", () => {
    const list = Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? `Zähler-${i}` : i % 11 === 0 ? `水表-${i}` : `M-${i}`));
    const encoder = new TextEncoder();
    const bytes = encoder.encode(list.join(""));
    let at = 0;
    const ids = new MeterIds();
    ids.append(bytes, Int32Array.from(list, (id) => (at += encoder.encode(id).length)), list.length);
    const index = new IdIndex(ids);
    index.extend(list.length);
    // A message's table: ids one after another, among ids not registered and near misses.
    const asked = [...list.filter((_, i) => i % 3 === 0), "M-4000", "M-1", "M-10", "Zähler-0x", "水表-1", "M-"];
    const table = encoder.encode(asked.join(""));
    let end = 0;
    for (const id of asked) {
      const start = end;
      end += encoder.encode(id).length;
      const expected = index.find(id, meterHash(id));
      expect(index.findBytes(table, start, end, meterHash(id)), id).toBe(expected);
    }
    expect(index.findBytes(table, 0, 3, meterHash("M-0"))).toBe(-1);
    expect(index.find("M-1", meterHash("M-1"))).toBe(1);
    // Ids held as strings cannot compare bytes: the caller looks them up by string.
    expect(new IdIndex(new IdList(list)).findBytes(table, 0, 3, meterHash("M-0"))).toBeUndefined();
  });
});
