// Ledger segment BLOBs (store/history.ts): format 3 stores a column its entries share once and a
// float column of int32-range integers as int32s; segments of format 2 (no narrow columns) and
// format 1 (60 bytes an entry, or 52 before the override column) still decode, as do segments
// written before the debounced column (its values NaN: not kept); a segment whose length would
// look like format 1 is padded.
import { describe, expect, it } from "vitest";
import { appendEntry, createEntries, decodeSegment, encodeSegment, entryAt, slotEntries } from "../../../engine/store/history.js";
import type { HistoryEntries } from "../../../engine/store/history.js";
import { mulberry32, seeds } from "../../helpers/random.js";

const COLUMNS = ["meter", "end", "value", "prev", "start", "consumption", "billed", "flags", "held", "override", "debounced"] as const;
/** Format 1's columns: those up to the override column. */
const V1 = COLUMNS.slice(0, 10);

function randomEntries(rand: () => number, n: number): HistoryEntries {
  const e = createEntries(4);
  for (let i = 0; i < n; i++) {
    appendEntry(e, Math.floor(rand() * 500), 20_000 + Math.floor(rand() * 30), rand() * 1e6, rand() < 0.1 ? Number.NaN : rand() * 1e6,
      19_990 + Math.floor(rand() * 30), rand() * 100 - 5, rand() < 0.05 ? -0 : rand() * 100, Math.floor(rand() * 8), rand() < 0.1 ? 2 : 0,
      rand() < 0.1 ? rand() * 10 : Number.NaN, rand() < 0.2 ? Math.floor(rand() * 1000) : 0);
  }
  return e;
}

/** Some float columns made whole numbers: int32 range, or sometimes not (-0, 2^31, a fraction) in one entry. */
function wholeNumbers(rand: () => number, e: HistoryEntries): void {
  for (const name of ["value", "prev", "consumption", "billed", "override", "debounced"] as const) {
    if (e.length === 0 || rand() < 0.3) continue;
    const col = e[name];
    for (let i = 0; i < e.length; i++) col[i] = Math.round((rand() - 0.3) * 10 ** Math.floor(rand() * 10)) + 0; // + 0: no -0 but the one set below
    if (rand() < 0.4) col[Math.floor(rand() * e.length)] = [-0, 2 ** 31, -(2 ** 31) - 1, 0.5, Number.NaN, 2 ** 31 - 1, -(2 ** 31)][Math.floor(rand() * 7)];
  }
}

/** A format-2 BLOB of entries `rows` (as the build before format 3 wrote them): `shared` columns once; `columns` the first columns only. */
function formatTwo(e: HistoryEntries, rows: number[], shared: ReadonlySet<string>, columns: readonly (typeof COLUMNS)[number][] = COLUMNS): Uint8Array {
  const widths = { meter: 4, end: 4, value: 8, prev: 8, start: 4, consumption: 8, billed: 8, flags: 4, held: 4, override: 8, debounced: 8 };
  const header = Buffer.alloc(8);
  header[0] = 2;
  header[1] = columns.length;
  header.writeUInt16LE(columns.reduce((m, name, c) => (shared.has(name) ? m | (1 << c) : m), 0), 2);
  header.writeUInt32LE(rows.length, 4);
  const parts = columns.map((name) => {
    const col = e[name] as Float64Array;
    const picked = (shared.has(name) ? rows.slice(0, 1) : rows).map((r) => Buffer.from(col.buffer, col.byteOffset + r * widths[name], widths[name]));
    return Buffer.concat(picked);
  });
  return Uint8Array.from(Buffer.concat([header, ...parts]));
}

/** Some columns made the same for every entry. */
function share(rand: () => number, e: HistoryEntries): void {
  for (const name of COLUMNS) if (e.length > 0 && rand() < 0.5) (e[name] as Float64Array).fill((e[name] as Float64Array)[0], 0, e.length);
}

const same = (a: HistoryEntries, i: number, b: HistoryEntries, j: number) => {
  const x = entryAt(a, i);
  const y = entryAt(b, j);
  for (const name of COLUMNS) expect(Object.is(x[name], y[name]) || (x[name] !== x[name] && y[name] !== y[name]), name).toBe(true);
};

describe("ledger segments", () => {
  for (const seed of seeds(0x5e6)) {
    it(`round trip random entries, some columns shared, in any row order (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      for (let round = 0; round < 40; round++) {
        const n = 1 + Math.floor(rand() * 200);
        const e = randomEntries(rand, n);
        share(rand, e);
        const rows = Array.from({ length: n }, (_, i) => i).filter(() => rand() < 0.8);
        const data = Uint8Array.from(encodeSegment(e, rows));
        expect(data.length === rows.length * 60 || data.length === rows.length * 52).toBe(false);
        const into = randomEntries(rand, 3);
        decodeSegment(into, data, rows.length);
        expect(into.length).toBe(3 + rows.length);
        rows.forEach((row, k) => same(e, row, into, 3 + k));
      }
    });
  }

  for (const seed of seeds(0x3a77)) {
    it(`round trip whole-number float columns (int32s in the BLOB) and others, exactly (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      let narrowed = 0;
      for (let round = 0; round < 60; round++) {
        const n = 1 + Math.floor(rand() * 150);
        const e = randomEntries(rand, n);
        wholeNumbers(rand, e);
        if (rand() < 0.3) share(rand, e);
        const rows = Array.from({ length: n }, (_, i) => i).filter(() => rand() < 0.9);
        const data = Uint8Array.from(encodeSegment(e, rows));
        expect(data.length === rows.length * 60 || data.length === rows.length * 52).toBe(false);
        narrowed += data[8] === 0 && data[9] === 0 ? 0 : 1;
        const into = createEntries(1);
        // At an odd offset in its buffer too, as a driver may hand a BLOB over.
        const odd = new Uint8Array(data.length + 3).subarray(1 + (round % 3), 1 + (round % 3) + data.length);
        odd.set(data);
        decodeSegment(into, round % 2 === 0 ? data : odd, rows.length);
        expect(into.length).toBe(rows.length);
        rows.forEach((row, k) => same(e, row, into, k));
        // Read in place, one slot at a time, as decodeSegment gives them.
        for (const slot of new Set(rows.slice(0, 3).map((r) => e.meter[r]))) {
          const want = rows.map((_r, k) => k).filter((k) => into.meter[k] === slot).map((k) => entryAt(into, k));
          expect(slotEntries(data, rows.length, slot)).toEqual(want);
        }
      }
      expect(narrowed).toBeGreaterThan(10);
    });
  }

  it("decode format 2 (no narrow columns), shared columns or none, and read its slots in place", () => {
    const rand = mulberry32(77);
    for (const shared of [new Set<string>(), new Set(["end", "flags", "override"])]) {
      const e = randomEntries(rand, 40);
      wholeNumbers(rand, e);
      for (const name of shared) (e[name as "end"]).fill(e[name as "end"][0]);
      const rows = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 !== 1);
      const data = formatTwo(e, rows, shared);
      const into = createEntries(1);
      decodeSegment(into, data, rows.length);
      rows.forEach((row, k) => same(e, row, into, k));
      const slot = e.meter[rows[0]];
      expect(slotEntries(data, rows.length, slot)).toEqual(rows.map((_r, k) => k).filter((k) => into.meter[k] === slot).map((k) => entryAt(into, k)));
    }
  });

  for (const seed of seeds(0x51075)) {
    it(`read one slot's entries in place as decodeSegment gives them, format 1 and 2 (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      const widths = { meter: 4, end: 4, value: 8, prev: 8, start: 4, consumption: 8, billed: 8, flags: 4, held: 4, override: 8, debounced: 8 };
      for (let round = 0; round < 40; round++) {
        const n = 1 + Math.floor(rand() * 120);
        const e = randomEntries(rand, n);
        // Few slots, so that most hold several entries; sometimes one slot for all (a shared meter column).
        for (let i = 0; i < n; i++) e.meter[i] = rand() < 0.2 ? 0 : e.meter[i] % 6;
        share(rand, e);
        const rows = Array.from({ length: n }, (_, i) => i);
        const names = round % 4 === 0 ? V1 : round % 4 === 1 ? V1.slice(0, -1) : undefined;
        const data = names === undefined ? Uint8Array.from(encodeSegment(e, rows))
          : Buffer.concat(names.map((name) => new Uint8Array((e[name] as Float64Array).buffer, 0, n * widths[name])));
        const all = createEntries(1);
        decodeSegment(all, data, n);
        for (let slot = 0; slot < 7; slot++) {
          const want = rows.filter((i) => all.meter[i] === slot).map((i) => entryAt(all, i));
          expect(slotEntries(data, n, slot), `slot ${slot}`).toEqual(want);
        }
      }
    });
  }

  it("store a night's shared day, flags, holds and override once, and its whole-number registers as int32s: 20 bytes an entry", () => {
    const e = createEntries(1000);
    for (let i = 0; i < 1000; i++) appendEntry(e, i, 20_500, 1000 + i, 990 + i, 20_499, 10 + (i % 7), 10 + (i % 7), 0, 0, Number.NaN);
    const data = encodeSegment(e, Array.from({ length: 1000 }, (_, i) => i));
    // The shared columns: end, start, flags, held (4 bytes), override and debounced (8).
    expect(data.length).toBe(12 + 1000 * 20 + 4 + 4 + 4 + 4 + 8 + 8);
    // Fractional registers stay 8 bytes a value.
    e.value[500] = 1500.25;
    expect(encodeSegment(e, Array.from({ length: 1000 }, (_, i) => i)).length).toBe(12 + 1000 * 24 + 4 + 4 + 4 + 4 + 8 + 8);
  });

  it("pad a segment whose length would be 60 bytes an entry", () => {
    // Three entries, no column shared, three of the six float columns whole (value, override,
    // debounced): 12 + 5 x 12 + 3 x 12 + 3 x 24 = 180 = 3 x 60.
    const e = createEntries(3);
    appendEntry(e, 1, 20_000, 5, 4.5, 19_999, 1.5, 1.25, 0, 0, 1, 0);
    appendEntry(e, 2, 20_001, 7, 5.5, 20_000, 2.5, 3.25, 1, 2, 2, 3);
    appendEntry(e, 3, 20_002, 9, 6.5, 20_001, 3.5, 4.25, 2, 4, 3, 5);
    const data = Uint8Array.from(encodeSegment(e, [0, 1, 2]));
    expect(data.length).toBe(184);
    const into = createEntries(2);
    decodeSegment(into, data, 3);
    for (let i = 0; i < 3; i++) same(e, i, into, i);
  });

  it("decode format 1 (every column n values), with and without the override column", () => {
    const e = randomEntries(mulberry32(3), 7);
    const widths = { meter: 4, end: 4, value: 8, prev: 8, start: 4, consumption: 8, billed: 8, flags: 4, held: 4, override: 8, debounced: 8 };
    for (const names of [V1, V1.slice(0, -1)]) {
      const v1 = Buffer.concat(names.map((name) => {
        const column = e[name] as Float64Array;
        return new Uint8Array(column.buffer, column.byteOffset, 7 * widths[name]);
      }));
      const into = createEntries(1);
      decodeSegment(into, v1, 7);
      for (let i = 0; i < 7; i++) {
        const x = entryAt(into, i);
        const y = entryAt(e, i);
        for (const name of names) expect(Object.is(x[name], y[name]) || (x[name] !== x[name] && y[name] !== y[name]), name).toBe(true);
        if (names.length < V1.length) expect(x.override).toBeNaN();
        expect(x.debounced).toBeNaN();
      }
    }
  });

  it("decode a segment written before the debounced column (10 columns): its counts NaN, not kept; read in place the same", () => {
    const e = randomEntries(mulberry32(7), 30);
    for (let i = 0; i < 30; i++) e.meter[i] %= 3;
    const rows = Array.from({ length: 30 }, (_, i) => i);
    e.end.fill(e.end[0]);
    const data = formatTwo(e, rows, new Set(["end"]), V1);
    const into = createEntries(1);
    decodeSegment(into, data, 30);
    for (let i = 0; i < 30; i++) {
      const x = entryAt(into, i);
      const y = entryAt(e, i);
      for (const name of V1) expect(Object.is(x[name], y[name]) || (x[name] !== x[name] && y[name] !== y[name]), name).toBe(true);
      expect(x.debounced).toBeNaN();
    }
    expect(slotEntries(data, 30, 1)).toEqual(rows.filter((i) => into.meter[i] === 1).map((i) => entryAt(into, i)));
  });

  it("refuse a BLOB of another format with a coded error", () => {
    expect(() => decodeSegment(createEntries(1), Uint8Array.from([9, 10, 0, 0, 1, 0, 0, 0, 1, 2, 3]), 1)).toThrow(expect.objectContaining({ code: "MF_ERR_STORE_SCHEMA" }));
  });
});
