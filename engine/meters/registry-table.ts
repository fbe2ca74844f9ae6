// The meter registry as columns (DESIGN.md "Meter registry"): one row per meter, the meter ids
// as UTF-8 bytes in one arena, each field one column. A column holds a single value for every
// row until a row differs (a registry's type, unit, scaling factor and most optional fields are
// the same for a whole fleet), then a typed array; so a million meters cost a few arrays, not a
// million objects. The import builds it (registry-csv.ts), the bucket BLOBs and both stores'
// queryable rows are written from it; `record(i)` gives a MeterRecord where one is wanted.
import { ROLLOVER_MODE } from "../consumption/registers.js";
import { PULSE_INPUT } from "../pulses/profiles.js";
import type { PulseInputName } from "../pulses/profiles.js";
import { NumberColumn, TextColumn } from "./columns.js";
import type { MeterRecord } from "./meter.js";

const INPUT_NAMES = Object.keys(PULSE_INPUT) as PulseInputName[];

/** The columns of a RegistryTable by MeterRecord field, in the registry's column order. */
export const NUMBER_FIELDS = ["scalingFactor", "resetValue", "digits", "rolloverMode", "unitPrice", "basicFeePerDay", "lastReading",
  "lastEnd", "pulseWeight", "pulseInput", "pulseWidthMs", "qmax", "noPulseDays", "debounceMs"] as const;
export const TEXT_FIELDS = ["type", "unit", "parentId", "costCenter", "glAccount"] as const;

/**
 * Meters as columns. Numbers are NaN when not given (`digits`, `lastEnd` too); `rolloverMode` is
 * its ROLLOVER_MODE code and `pulseInput` its PULSE_INPUT code (NaN: none). Meter ids are UTF-8
 * in `arena`, row `i`'s at `[idStart[i], idEnd[i])`, with their meterHash in `hash`.
 */
export class RegistryTable {
  length = 0;
  capacity: number;
  /** Meter id bytes; may hold ids that are not rows (an id a rejected row claimed). */
  arena: Buffer;
  arenaLength = 0;
  idStart: Int32Array;
  idEnd: Int32Array;
  hash: Uint32Array;
  /** Whether every id is ASCII (its UTF-16 length is its byte length). */
  asciiIds = true;
  readonly type = new TextColumn("");
  readonly unit = new TextColumn("");
  readonly parentId = new TextColumn(null);
  readonly costCenter = new TextColumn(null);
  readonly glAccount = new TextColumn(null);
  readonly scalingFactor = new NumberColumn(1);
  readonly resetValue = new NumberColumn(Number.NaN);
  readonly digits = new NumberColumn(Number.NaN);
  readonly rolloverMode = new NumberColumn(ROLLOVER_MODE.documented);
  readonly unitPrice = new NumberColumn(Number.NaN);
  readonly basicFeePerDay = new NumberColumn(Number.NaN);
  readonly lastReading = new NumberColumn(Number.NaN);
  readonly lastEnd = new NumberColumn(Number.NaN);
  readonly pulseWeight = new NumberColumn(Number.NaN);
  readonly pulseInput = new NumberColumn(Number.NaN);
  readonly pulseWidthMs = new NumberColumn(Number.NaN);
  readonly qmax = new NumberColumn(Number.NaN);
  readonly noPulseDays = new NumberColumn(Number.NaN);
  readonly debounceMs = new NumberColumn(Number.NaN);

  constructor(capacity = 1024, arenaBytes = capacity * 16) {
    this.capacity = Math.max(16, capacity);
    this.arena = Buffer.allocUnsafe(Math.max(16, arenaBytes));
    this.idStart = new Int32Array(this.capacity);
    this.idEnd = new Int32Array(this.capacity);
    this.hash = new Uint32Array(this.capacity);
  }

  /** A table of these records, in order (ids as they are: no duplicate check). */
  static fromRecords(records: readonly MeterRecord[]): RegistryTable {
    const t = new RegistryTable(records.length);
    for (const r of records) t.pushRecord(r);
    return t;
  }

  /**
   * The same rows, row `r` moved to `to[r]` (a permutation of the rows), ids laid out in the new
   * order one after another. Each column is scattered in one pass, read in order: cheaper than
   * gathering rows in the new order from all over the table.
   */
  permute(to: Int32Array): RegistryTable {
    const n = this.length;
    let bytes = 0;
    const length = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const k = this.idEnd[r] - this.idStart[r];
      length[to[r]] = k;
      bytes += k;
    }
    const out = new RegistryTable(n, bytes);
    out.asciiIds = this.asciiIds;
    for (let i = 0, at = 0; i < n; i++) {
      out.idStart[i] = at;
      at += length[i];
      out.idEnd[i] = at;
    }
    const src = this.arena;
    const dst = out.arena;
    for (let r = 0; r < n; r++) {
      const i = to[r];
      out.hash[i] = this.hash[r];
      for (let b = this.idStart[r], a = out.idStart[i], e = this.idEnd[r]; b < e; b++, a++) dst[a] = src[b];
    }
    out.arenaLength = bytes;
    for (const name of NUMBER_FIELDS) {
      const from = this[name];
      const into = out[name];
      into.constant = from.constant;
      const data = from.data;
      if (data === null) continue;
      const scattered = new Float64Array(out.capacity);
      for (let r = 0; r < n; r++) scattered[to[r]] = data[r];
      into.data = scattered;
    }
    for (const name of TEXT_FIELDS) {
      const from = this[name];
      const into = out[name];
      into.constant = from.constant;
      const data = from.data;
      if (data === null) continue;
      const scattered = new Array<string | null>(n);
      for (let r = 0; r < n; r++) scattered[to[r]] = data[r];
      into.data = scattered;
    }
    out.length = n;
    return out;
  }

  /** Room for one more row. */
  reserve(): void {
    if (this.length < this.capacity) return;
    const capacity = Math.max(16, this.capacity * 2);
    const n = this.length;
    const grow = <T extends Int32Array | Uint32Array>(a: T, make: (k: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    this.idStart = grow(this.idStart, (k) => new Int32Array(k));
    this.idEnd = grow(this.idEnd, (k) => new Int32Array(k));
    this.hash = grow(this.hash, (k) => new Uint32Array(k));
    for (const name of NUMBER_FIELDS) this[name].grow(capacity, n);
    this.capacity = capacity;
  }

  /** Copies id bytes `src[start, end)` into the arena; returns where they start. */
  addIdBytes(src: Uint8Array, start: number, end: number): number {
    const at = this.#room(end - start);
    if (end - start <= 32) {
      const a = this.arena;
      for (let i = start, j = at; i < end; i++, j++) a[j] = src[i];
    } else {
      this.arena.set(src.subarray(start, end), at);
    }
    this.arenaLength = at + end - start;
    return at;
  }

  /** Writes an id string into the arena as UTF-8; returns where it starts (its end is `arenaLength`). */
  addIdString(id: string): number {
    // Straight into the arena (a UTF-16 unit is at most 3 bytes of UTF-8): no array per id (a
    // million stored rows read for a price file made as many, a second of the re-import).
    const at = this.#room(id.length * 3);
    const n = this.arena.write(id, at, "utf8");
    if (n !== id.length) this.asciiIds = false;
    this.arenaLength = at + n;
    return at;
  }

  #room(n: number): number {
    const at = this.arenaLength;
    if (at + n > this.arena.length) {
      const next = Buffer.allocUnsafe(Math.max(this.arena.length * 2, at + n));
      this.arena.copy(next, 0, 0, at);
      this.arena = next;
    }
    return at;
  }

  /** Starts row `length` for the id at arena `[start, end)` with meterHash `hash`; returns its index (fields set next). */
  addRow(start: number, end: number, hash: number): number {
    this.reserve();
    const i = this.length;
    this.idStart[i] = start;
    this.idEnd[i] = end;
    this.hash[i] = hash;
    return i;
  }

  /** Appends a validated record (its id is written to the arena). */
  pushRecord(r: MeterRecord, hash?: number): void {
    const start = this.addIdString(r.meterId);
    const end = this.arenaLength;
    const i = this.addRow(start, end, hash ?? fnv(this.arena, start, end));
    this.setFields(i, r);
    this.length = i + 1;
  }

  /** Sets row `i`'s fields from a record. */
  setFields(i: number, r: MeterRecord): void {
    const c = this.capacity;
    this.type.set(i, r.type);
    this.unit.set(i, r.unit);
    this.parentId.set(i, r.parentId);
    this.costCenter.set(i, r.costCenter);
    this.glAccount.set(i, r.glAccount);
    this.scalingFactor.set(i, r.scalingFactor, c);
    this.resetValue.set(i, nan(r.resetValue), c);
    this.digits.set(i, nan(r.digits), c);
    this.rolloverMode.set(i, r.rolloverMode === "modulus" ? ROLLOVER_MODE.modulus : ROLLOVER_MODE.documented, c);
    this.unitPrice.set(i, nan(r.unitPrice), c);
    this.basicFeePerDay.set(i, nan(r.basicFeePerDay), c);
    this.lastReading.set(i, nan(r.lastReading), c);
    this.lastEnd.set(i, nan(r.lastEnd), c);
    this.pulseWeight.set(i, nan(r.pulseWeight), c);
    this.pulseInput.set(i, r.pulseInput !== null && Object.hasOwn(PULSE_INPUT, r.pulseInput) ? PULSE_INPUT[r.pulseInput] : Number.NaN, c);
    this.pulseWidthMs.set(i, nan(r.pulseWidthMs), c);
    this.qmax.set(i, nan(r.qmax), c);
    this.noPulseDays.set(i, nan(r.noPulseDays), c);
    this.debounceMs.set(i, nan(r.debounceMs), c);
  }

  /** Row `i`'s meter id. */
  id(i: number): string {
    const s = this.idStart[i];
    const e = this.idEnd[i];
    return this.arena.toString(this.asciiIds ? "latin1" : "utf8", s, e);
  }

  /** Row `i` as a MeterRecord. */
  record(i: number): MeterRecord {
    const input = this.pulseInput.get(i);
    return {
      meterId: this.id(i),
      type: this.type.get(i) ?? "",
      unit: this.unit.get(i) ?? "",
      scalingFactor: this.scalingFactor.get(i),
      resetValue: orNull(this.resetValue.get(i)),
      digits: orNull(this.digits.get(i)),
      rolloverMode: this.rolloverMode.get(i) === ROLLOVER_MODE.modulus ? "modulus" : "documented",
      parentId: this.parentId.get(i),
      unitPrice: orNull(this.unitPrice.get(i)),
      basicFeePerDay: orNull(this.basicFeePerDay.get(i)),
      costCenter: this.costCenter.get(i),
      glAccount: this.glAccount.get(i),
      lastReading: orNull(this.lastReading.get(i)),
      lastEnd: orNull(this.lastEnd.get(i)),
      pulseWeight: orNull(this.pulseWeight.get(i)),
      pulseInput: input === input ? INPUT_NAMES[input] : null,
      pulseWidthMs: orNull(this.pulseWidthMs.get(i)),
      qmax: orNull(this.qmax.get(i)),
      noPulseDays: orNull(this.noPulseDays.get(i)),
      debounceMs: orNull(this.debounceMs.get(i)),
    };
  }

  /** Every row as a MeterRecord. */
  records(): MeterRecord[] {
    const out = new Array<MeterRecord>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.record(i);
    return out;
  }
}

/** FNV-1a 32-bit of `bytes[start, end)`: meterHash of the id those UTF-8 bytes spell. */
export function fnv(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

const nan = (v: number | null) => (v === null ? Number.NaN : v);
const orNull = (v: number) => (v === v ? v : null);
