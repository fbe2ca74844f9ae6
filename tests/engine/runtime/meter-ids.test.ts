// The working set's ids as bytes (runtime/meter-ids.ts): registry BLOBs decoded with their ids as
// UTF-8 bytes give the same ids as decoded to strings, for ids of one to four UTF-8 bytes a
// character (surrogate pairs included); appended bucket by bucket, every key's string, bytes and
// byte length are the reference's, before and after the columns grow, and strings asked for
// early stay right; hashes and comparisons from the bytes agree with the strings', and the id
// index finds every id through them (and no near miss).
import { describe, expect, it } from "vitest";
import { IdIndex } from "../../../engine/runtime/id-index.js";
import { MeterIds } from "../../../engine/runtime/meter-ids.js";
import { meterHash } from "../../../engine/store/contract.js";
import { decodeRegistry } from "../../../engine/store/bucket-registry-blob.js";
import { mergeRegistry } from "../../../engine/store/bucket-registry.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { meter } from "../store/contract-fixtures.js";

/** Characters of every UTF-8 width: ASCII, 2 bytes (ä), 3 bytes (€, 水), 4 bytes (a surrogate pair). */
const CHARS = ["A", "7", "-", "ä", "€", "水", "\u{1D11E}", "\u{1F4A7}"];

function randomId(next: () => number, k: number): string {
  let id = `K${k}-`;
  const n = 1 + Math.floor(next() * 12);
  for (let i = 0; i < n; i++) id += next() < 0.7 ? CHARS[Math.floor(next() * 3)] : CHARS[Math.floor(next() * CHARS.length)];
  return id;
}

describe("MeterIds", () => {
  for (const seed of seeds(5)) {
    it(`holds registry BLOBs' ids as bytes, the same ids as their strings (seed ${seed})`, () => {
      const next = mulberry32(seed);
      const ids = new MeterIds();
      const expected: string[] = [];
      let asked = 0;
      for (let bucket = 0; bucket < 40; bucket++) {
        const records = Array.from({ length: Math.floor(next() * 300) }, () => meter(randomId(next, expected.length + Math.floor(next() * 1e6))));
        const blob = mergeRegistry(null, records).registry;
        const strings = decodeRegistry(blob);
        const bytes = decodeRegistry(blob, { idBytes: true });
        expect(bytes.ids).toEqual([]);
        expect(bytes.size).toBe(strings.size);
        expect(bytes.idEnds.length).toBe(strings.size);
        expect(bytes.type).toEqual(strings.type);
        expect(bytes.unit).toEqual(strings.unit);
        ids.append(bytes.idText, bytes.idEnds, bytes.size);
        expected.push(...strings.ids);
        // Some strings asked for between loads: they must survive the columns growing.
        for (let i = 0; i < 5 && expected.length > 0; i++) {
          const k = Math.floor(next() * expected.length);
          expect(ids.get(k)).toBe(expected[k]);
          asked++;
        }
      }
      expect(asked).toBeGreaterThan(0);
      expect(ids.size).toBe(expected.length);
      const into = new Uint8Array(64);
      for (let k = 0; k < expected.length; k++) {
        const utf8 = Buffer.from(expected[k], "utf8");
        expect(ids.get(k), `key ${k}`).toBe(expected[k]);
        expect(ids.byteLength(k)).toBe(utf8.length);
        const end = ids.copyTo(k, into, 3);
        expect(Buffer.from(into.subarray(3, end)).equals(utf8), `key ${k}`).toBe(true);
        const { bytes, start, end: to } = ids.bytesOf(k);
        expect(Buffer.from(bytes.subarray(start, to)).equals(utf8)).toBe(true);
      }
    });
  }

  it("grows past the room reserved ahead, keeping every id", () => {
    const ids = new MeterIds();
    // Past the first room (1,024 ids, 16 KiB), both columns grow.
    ids.reserve(1, 4);
    const blobs = [["Zähler-1"], ["M-2", "M-10", "\u{1F4A7}"], Array.from({ length: 5000 }, (_, i) => `Nummer-${i}`)]
      .map((list) => mergeRegistry(null, list.map((id) => meter(id))).registry);
    for (const blob of blobs) {
      const reg = decodeRegistry(blob, { idBytes: true });
      ids.append(reg.idText, reg.idEnds, reg.size);
    }
    const expected = blobs.flatMap((blob) => decodeRegistry(blob).ids);
    expect(ids.size).toBe(5004);
    expect(expected.map((_, k) => ids.get(k))).toEqual(expected);
    expect(ids.byteLength(expected.indexOf("Zähler-1"))).toBe(9);
    expect(ids.byteLength(expected.indexOf("\u{1F4A7}"))).toBe(4);
  });

  it("finds where each id ends in ASCII BLOBs by their lengths, and walks the bytes when a word or an id is not ASCII", () => {
    const ascii = Array.from({ length: 700 }, (_, i) => `M-${String(i).padStart(1 + (i % 9), "0")}`);
    const cases = [
      ascii.map((id) => meter(id)),
      // ASCII ids with a unit that is not: the text has more bytes than units.
      ascii.map((id, i) => meter(id, i % 3 === 0 ? { type: "water.register", unit: "m³" } : {})),
      [...ascii.slice(0, 300).map((id) => meter(id)), meter("Zähler-1"), ...ascii.slice(300).map((id) => meter(id))],
    ];
    for (const records of cases) {
      const blob = mergeRegistry(null, records).registry;
      const expected = decodeRegistry(blob);
      const reg = decodeRegistry(blob, { idBytes: true });
      const ids = new MeterIds();
      ids.append(reg.idText, reg.idEnds, reg.size);
      expect(Array.from({ length: ids.size }, (_, k) => ids.get(k))).toEqual(expected.ids);
      expect(reg.unit).toEqual(expected.unit);
      expect(reg.idEnds.at(-1)).toBe(reg.idText.length);
    }
  });

  for (const seed of seeds(9)) {
    it(`hashes and compares ids from their bytes as from their strings; the id index finds each (seed ${seed})`, () => {
      const next = mulberry32(seed);
      const records = Array.from({ length: 3000 }, (_, k) => meter(randomId(next, k)));
      const blob = mergeRegistry(null, records).registry;
      const expected = decodeRegistry(blob).ids;
      const reg = decodeRegistry(blob, { idBytes: true });
      const ids = new MeterIds();
      ids.append(reg.idText, reg.idEnds, reg.size);
      // A few strings made first: comparisons then read them.
      for (let i = 0; i < 50; i++) ids.get(Math.floor(next() * expected.length));
      for (let k = 0; k < expected.length; k++) {
        const id = expected[k];
        expect(ids.hashOf(k), id).toBe(meterHash(id));
        expect(ids.equals(k, id), id).toBe(true);
        // Near misses: one unit changed, one more, one fewer.
        expect(ids.equals(k, `${id.slice(0, -1)}#`)).toBe(false);
        expect(ids.equals(k, `${id}A`)).toBe(false);
        expect(ids.equals(k, id.slice(0, -1))).toBe(false);
      }
      const index = new IdIndex(ids);
      index.extend(expected.length);
      for (let k = 0; k < expected.length; k++) expect(index.find(expected[k], meterHash(expected[k]))).toBe(k);
      expect(index.get("K-not-there")).toBeUndefined();
    });
  }
});
