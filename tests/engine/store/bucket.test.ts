// The BLOB encodings of one bucket: registry (slot order, merges keep slots) and state (covers a
// prefix of the slots and of the fields), round trips on edge and random inputs.
import { describe, expect, it } from "vitest";
import { NO_DAY } from "../../../engine/ingest/batch.js";
import type { MeterRecord } from "../../../engine/meters/meter.js";
import {
  decodeRegistry, decodeState, decodeStateInto, encodeRegistry, encodeState, mergeRegistry, stateMeters,
} from "../../../engine/store/bucket.js";
import { createState, STATE_FIELDS } from "../../../engine/store/state.js";
import type { MeterState } from "../../../engine/store/state.js";
import { stateBlobVersion2 } from "./state-v2.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { meter } from "./contract-fixtures.js";

type Field = (typeof STATE_FIELDS)[number][0];

/** What the registry BLOB carries of a record, as decodeRegistry gives it back. */
function columnsOf(r: MeterRecord) {
  const base = r.lastReading !== null && r.lastEnd !== null;
  return {
    id: r.meterId, type: r.type, unit: r.unit, scale: r.scalingFactor, reset: r.resetValue ?? Number.NaN, digits: r.digits ?? 0,
    mode: r.rolloverMode === "modulus" ? 1 : 0, pulseWeight: r.pulseWeight ?? Number.NaN,
    pulseInput: { s0a: 0, s0b: 1, namur: 2, reed: 3 }[r.pulseInput ?? "s0a"], pulseWidthMs: r.pulseWidthMs ?? Number.NaN,
    qmax: r.qmax ?? Number.NaN, noPulseDays: r.noPulseDays ?? Number.NaN, debounceMs: r.debounceMs ?? Number.NaN,
    baseValue: base ? r.lastReading : Number.NaN, baseEnd: base ? r.lastEnd : NO_DAY,
  };
}

function decoded(bytes: Uint8Array) {
  const c = decodeRegistry(bytes);
  return c.ids.map((id, i) => ({
    id, type: c.type[i], unit: c.unit[i], scale: c.scale[i], reset: c.reset[i], digits: c.digits[i], mode: c.mode[i],
    pulseWeight: c.pulseWeight[i], pulseInput: c.pulseInput[i], pulseWidthMs: c.pulseWidthMs[i], qmax: c.qmax[i],
    noPulseDays: c.noPulseDays[i], debounceMs: c.debounceMs[i], baseValue: c.baseValue[i], baseEnd: c.baseEnd[i],
  }));
}

function randomMeter(rand: () => number, id: string): MeterRecord {
  const maybe = <T>(v: T): T | null => (rand() < 0.5 ? null : v);
  const text = () => ["", "kWh", "m³", "électricité", "電", "a\u0000b", "x".repeat(1 + Math.floor(rand() * 40))][Math.floor(rand() * 7)];
  const base = rand() < 0.3;
  return meter(id, {
    type: text(), unit: text(), scalingFactor: rand() * 10, resetValue: maybe(Math.floor(rand() * 1e6)),
    digits: maybe(1 + Math.floor(rand() * 22)), rolloverMode: rand() < 0.5 ? "documented" : "modulus",
    parentId: maybe(`P-${Math.floor(rand() * 9)}`), unitPrice: maybe(rand()), costCenter: maybe(text()),
    lastReading: base ? rand() * 1000 : null, lastEnd: base ? Math.floor(rand() * 30_000) - 10_000 : null,
    pulseWeight: maybe(rand()), pulseInput: maybe((["s0a", "s0b", "namur", "reed"] as const)[Math.floor(rand() * 4)]),
    pulseWidthMs: maybe(rand() * 100), qmax: maybe(rand() * 5), noPulseDays: maybe(Math.floor(rand() * 9)), debounceMs: maybe(rand() * 20),
  });
}

function randomState(rand: () => number, n: number): MeterState {
  const s = createState(n);
  for (let i = 0; i < n; i++) {
    s.lastEnd[i] = rand() < 0.2 ? NO_DAY : Math.floor(rand() * 40_000);
    s.lastValue[i] = rand() < 0.2 ? Number.NaN : rand() * 1e6;
    s.readings[i] = Math.floor(rand() * 1000);
    s.sumConsumption[i] = rand() * 1e4;
    s.sumDays[i] = Math.floor(rand() * 400);
    s.tempBad[i] = rand() < 0.1 ? 1 : 0;
    s.idleSince[i] = rand() < 0.5 ? NO_DAY : Math.floor(rand() * 40_000);
    s.heldCount[i] = Math.floor(rand() * 3);
  }
  return s;
}

const slot = (s: MeterState, i: number) => STATE_FIELDS.map(([name]) => (s[name as Field] as Float64Array)[i]);

describe("registry BLOB", () => {
  it("round trips every column, starting with its format byte", () => {
    const records = [meter("A"), meter("Zähler-7", { pulseInput: "reed", pulseWeight: 0.01, lastReading: 5, lastEnd: 20_000 }),
      meter("電表-1", { resetValue: 999, digits: 3, rolloverMode: "modulus", type: "", unit: "" })];
    const bytes = encodeRegistry(records);
    expect(bytes[0]).toBe(1);
    expect(decoded(bytes)).toEqual(records.map(columnsOf));
    expect(decodeRegistry(encodeRegistry([])).size).toBe(0);
  });

  it("decodes from any byte offset (a BLOB read into a shared buffer)", () => {
    const bytes = encodeRegistry([meter("A", { scalingFactor: 2.5 }), meter("B")]);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decoded(shifted.subarray(3))).toEqual(decoded(bytes));
  });

  it("merges: known meters keep their slot, changed ones update in place, new ones append", () => {
    const first = mergeRegistry(null, [meter("A"), meter("B"), meter("C")]);
    expect(first).toMatchObject({ meters: 3, inserted: 3, updated: 0, unchanged: 0 });
    const second = mergeRegistry(first.registry, [meter("D"), meter("B", { digits: 6 }), meter("A"), meter("C", { costCenter: "CC" })]);
    expect(second).toMatchObject({ meters: 4, inserted: 1, updated: 2, unchanged: 1 });
    expect(decodeRegistry(second.registry).ids).toEqual(["A", "B", "C", "D"]);
    expect(decodeRegistry(second.registry).digits[1]).toBe(6);
    // A field kept only in the queryable registry still counts as a change.
    expect(mergeRegistry(second.registry, [meter("C", { costCenter: "CC" }), meter("C", { glAccount: "1" })]))
      .toMatchObject({ meters: 4, inserted: 0, updated: 1, unchanged: 1 });
    expect(decodeRegistry(encodeRegistry([meter("A", { digits: 1 }), meter("A", { digits: 2 })])).digits).toEqual(Uint8Array.of(2));
  });

  it("stores a column whose meters all agree once", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `M-${String(i).padStart(6, "0")}`);
    const bytes = encodeRegistry(ids.map((id) => meter(id)));
    expect(bytes.length).toBeLessThan(8 * 1000 + 200);
    const varied = encodeRegistry(ids.map((id, i) => meter(id, { scalingFactor: i, pulseInput: i % 2 ? "reed" : null })));
    expect(varied.length).toBeGreaterThan(bytes.length + 8 * 1000);
    expect(decoded(varied)[999]).toMatchObject({ scale: 999, pulseInput: 3 });
  });

  it("refuses a BLOB of another format", () => {
    const bytes = encodeRegistry([meter("A")]);
    bytes[0] = 9;
    expect(() => decodeRegistry(bytes)).toThrow(expect.objectContaining({ code: "MF_ERR_STORE_SCHEMA" }));
  });

  for (const seed of seeds(0x5107)) {
    it(`round trips random registries through random merges (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      let blob: Uint8Array | null = null;
      const expected = new Map<string, MeterRecord>();
      for (let round = 0; round < 20; round++) {
        const batch = Array.from({ length: Math.floor(rand() * 60) }, () => randomMeter(rand, `M-${Math.floor(rand() * 150)}`));
        const result = mergeRegistry(blob, batch);
        const before = blob === null ? [] : decodeRegistry(blob).ids;
        blob = result.registry;
        for (const r of batch) expected.set(r.meterId, r);
        const ids = decodeRegistry(blob).ids;
        expect(ids.slice(0, before.length)).toEqual(before);
        expect(result.inserted + result.updated + result.unchanged).toBe(batch.length);
        expect(decoded(blob)).toEqual(ids.map((id) => columnsOf(expected.get(id)!)));
      }
    });
  }
});

describe("state BLOB", () => {
  it("round trips every field, and decodes the slots it does not cover to defaults", () => {
    const rand = mulberry32(7);
    const state = randomState(rand, 37);
    const bytes = encodeState(state);
    expect([bytes[0], bytes[1], stateMeters(bytes)]).toEqual([3, STATE_FIELDS.length, 37]);
    const same = decodeState(bytes, 37);
    for (let i = 0; i < 37; i++) expect(slot(same, i)).toEqual(slot(state, i));
    const grown = decodeState(bytes, 40);
    expect(slot(grown, 36)).toEqual(slot(state, 36));
    for (const i of [37, 38, 39]) expect(slot(grown, i)).toEqual(slot(createState(1), 0));
    expect(slot(decodeState(null, 3), 2)).toEqual(slot(createState(1), 0));
  });

  it("encodes a range of slots, and decodes into a dense state at an offset", () => {
    const state = randomState(mulberry32(8), 20);
    const part = encodeState(state, 5, 10);
    const dense = randomState(mulberry32(9), 30);
    decodeStateInto(dense, 12, 12, part);
    for (let i = 0; i < 10; i++) expect(slot(dense, 12 + i)).toEqual(slot(state, 5 + i));
    expect(slot(dense, 22)).toEqual(slot(createState(1), 0));
    expect(slot(dense, 23)).toEqual(slot(createState(1), 0));
    decodeStateInto(dense, 0, 2, null);
    expect(slot(dense, 1)).toEqual(slot(createState(1), 0));
  });

  it("reads a BLOB written with fewer fields (an older meterflow): the rest are defaults", () => {
    const state = randomState(mulberry32(10), 9);
    const bytes = encodeState(state);
    const older = Uint8Array.from(bytes);
    older[1] = STATE_FIELDS.length - 2;
    const read = decodeState(older, 9);
    for (let i = 0; i < 9; i++) {
      expect(slot(read, i).slice(0, -2)).toEqual(slot(state, i).slice(0, -2));
      expect(slot(read, i).slice(-2)).toEqual(slot(createState(1), 0).slice(-2));
    }
  });

  it("stores a field its meters share once (NaN, 0 and -0 kept apart), and is smaller for it", () => {
    const state = randomState(mulberry32(11), 50);
    state.lastEnd.fill(20_000);
    state.lastValue.fill(Number.NaN);
    state.tempBad.fill(0);
    state.heldCount.fill(2);
    state.sumConsumption.fill(0);
    state.sumConsumption[7] = -0;
    const bytes = encodeState(state);
    const mask = bytes[2] | (bytes[3] << 8);
    const bit = (name: string) => (mask >> STATE_FIELDS.findIndex(([f]) => f === name)) & 1;
    expect([bit("lastEnd"), bit("lastValue"), bit("tempBad"), bit("heldCount"), bit("sumConsumption"), bit("readings")]).toEqual([1, 1, 1, 1, 0, 0]);
    expect(bytes.length).toBeLessThan(8 + 50 * 41);
    const read = decodeState(bytes, 52);
    for (let i = 0; i < 50; i++) expect(slot(read, i)).toEqual(slot(state, i));
    expect(Object.is(read.sumConsumption[7], -0)).toBe(true);
    expect(slot(read, 51)).toEqual(slot(createState(1), 0));
  });

  it("stores a night's whole-unit registers, sums and days as int32s: 16 bytes a meter", () => {
    const state = createState(1000);
    for (let i = 0; i < 1000; i++) {
      state.lastEnd[i] = 20_500;
      state.lastValue[i] = 1000 + i * 7;
      state.readings[i] = 2 + (i % 3);
      state.sumConsumption[i] = 10 + (i % 11);
      state.sumDays[i] = 1 + (i % 3);
    }
    const bytes = encodeState(state);
    // lastValue, readings, sumConsumption, sumDays: 4 bytes each; the other seven fields once (8 each).
    expect(bytes.length).toBe(16 + 4 * 4000 + 7 * 8);
    const read = decodeState(bytes, 1000);
    for (let i = 0; i < 1000; i++) expect(slot(read, i)).toEqual(slot(state, i));
    state.lastValue[10] = 1070.5;
    expect(encodeState(state).length).toBe(16 + 4 * 4000 + 4000 + 7 * 8);
  });

  it("reads a version 2 BLOB (8-byte header, no narrow columns), a field stored once or not", () => {
    const state = randomState(mulberry32(13), 11);
    state.heldCount.fill(1);
    const v2 = stateBlobVersion2(state, 11, ["heldCount"]);
    expect(stateMeters(v2)).toBe(11);
    const read = decodeState(v2, 12);
    for (let i = 0; i < 11; i++) expect(slot(read, i)).toEqual(slot(state, i));
    expect(slot(read, 11)).toEqual(slot(createState(1), 0));
  });

  it("reads a version 1 BLOB (no mask: every column n values, padded to 8)", () => {
    const state = randomState(mulberry32(12), 13);
    state.tempBad.fill(0);
    const pad8 = (n: number) => (n + 7) & ~7;
    const parts: Uint8Array[] = [Uint8Array.from([1, STATE_FIELDS.length, 0, 0, 13, 0, 0, 0])];
    for (const [name, ctor] of STATE_FIELDS) {
      const column = state[name as Field] as Float64Array;
      const bytes = new Uint8Array(pad8(13 * ctor.BYTES_PER_ELEMENT));
      bytes.set(new Uint8Array(column.buffer, column.byteOffset, 13 * ctor.BYTES_PER_ELEMENT));
      parts.push(bytes);
    }
    const v1 = Buffer.concat(parts);
    expect(stateMeters(v1)).toBe(13);
    const read = decodeState(v1, 13);
    for (let i = 0; i < 13; i++) expect(slot(read, i)).toEqual(slot(state, i));
  });

  for (const seed of seeds(0x57a7e)) {
    it(`round trips random states of random sizes, whole-number float fields as int32s (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      let narrowed = 0;
      for (let round = 0; round < 30; round++) {
        const n = Math.floor(rand() * 300);
        const state = randomState(rand, n);
        // Some float fields whole numbers (stored as int32s), sometimes with one value that is not (-0, 2^31, a fraction, NaN).
        for (const name of ["lastValue", "sumConsumption", "sumDays"] as const) {
          if (n === 0 || rand() < 0.4) continue;
          for (let i = 0; i < n; i++) state[name][i] = Math.round((rand() - 0.3) * 10 ** Math.floor(rand() * 10)) + 0; // + 0: no -0 but the one set below
          if (rand() < 0.4) state[name][Math.floor(rand() * n)] = [-0, 2 ** 31, -(2 ** 31) - 1, 0.5, Number.NaN, 2 ** 31 - 1, -(2 ** 31)][Math.floor(rand() * 7)];
        }
        // Some fields shared by every meter (stored once).
        for (const [name] of STATE_FIELDS) if (n > 0 && rand() < 0.4) (state[name as Field] as Float64Array).fill((state[name as Field] as Float64Array)[0]);
        const more = n + Math.floor(rand() * 5);
        const bytes = encodeState(state);
        narrowed += bytes[8] === 0 && bytes[9] === 0 ? 0 : 1;
        // At an odd offset in its buffer too, as a driver may hand a BLOB over.
        const odd = new Uint8Array(bytes.length + 3).subarray(1 + (round % 3), 1 + (round % 3) + bytes.length);
        odd.set(bytes);
        const read = decodeState(round % 2 === 0 ? bytes : odd, more);
        expect(read.size).toBe(more);
        for (let i = 0; i < n; i++) expect(slot(read, i).map((v) => (Object.is(v, -0) ? "-0" : v))).toEqual(slot(state, i).map((v) => (Object.is(v, -0) ? "-0" : v)));
        for (let i = n; i < more; i++) expect(slot(read, i)).toEqual(slot(createState(1), 0));
        // Into a dense state at an offset, as a working set loads buckets.
        const dense = randomState(rand, more + 3);
        decodeStateInto(dense, 3, more, bytes);
        for (let i = 0; i < n; i++) expect(slot(dense, 3 + i)).toEqual(slot(state, i));
      }
      expect(narrowed).toBeGreaterThan(5);
    });
  }
});
