// CSV registry rows read from their bytes into a RegistryTable: numbers and dates parsed in place,
// repeated texts (type, unit, cost centre, account) interned, meter ids hashed and claimed as
// bytes; no object and no getter per row. The checks are toMeterRecord's (registry-row.ts), in
// its order, with its meter type defaults; a row this path does not take on (a non-ASCII byte,
// a "" escape) is read by toMeterRecord itself. tests/engine/meters/registry-csv.test.ts holds
// the two to the same records and rejections over random rows.
import { blankBytes } from "../ingest/blank.js";
import { idBytesOk } from "../ingest/id-text.js";
import { MAX_DIGITS, MAX_MULTIPLIER, MAX_REGISTER } from "../consumption/registers.js";
import { NO_DAY, parseDayBytes, parseNumberBytes } from "../ingest/index.js";
import type { CsvRecord } from "../ingest/index.js";
import { PULSE_INPUT } from "../pulses/profiles.js";
import type { MeterTypeDefinition } from "../../sdk/index.js";
import type { IdSet } from "./id-set.js";
import { absent, FIELDS, MAX_METER_ID_BYTES, optionalNumber, pastLatest, text, typeDefault } from "./registry-row.js";
import type { LastEndBound, MeterTypeLookup, RegistryRejectReason } from "./registry-row.js";
import { fnv } from "./registry-table.js";
import type { RegistryTable } from "./registry-table.js";

// Positions in FIELDS.
const ID = 0, TYPE = 1, UNIT = 2, SCALE = 3, RESET = 4, DIGITS = 5, MODE = 6, PARENT = 7, PRICE = 8, FEE = 9, COST = 10,
  GL = 11, LAST_READING = 12, LAST_END = 13, WEIGHT = 14, INPUT = 15, WIDTH = 16, QMAX = 17, NO_PULSE = 18, DEBOUNCE = 19;
const PULSE_FIELDS = [WEIGHT, INPUT, WIDTH, QMAX, NO_PULSE, DEBOUNCE];
/** Longest date text parseDayString reads. */
const MAX_DATE = 64;
const DOCUMENTED = Buffer.from("documented");
const MODULUS = Buffer.from("modulus");

/** The row needs toMeterRecord (see the header). */
export const SLOW = 1;

/** A meter type's defaults by FIELDS position, as toMeterRecord's getter would give them. */
interface TypePlan {
  type: MeterTypeDefinition;
  value: unknown[];
  /** optionalNumber of each default; undefined where there is none. */
  number: Array<number | undefined>;
  /** No pulse field has a default. */
  pulseless: boolean;
}

/** Strings of short repeated byte sequences: one string per distinct value, not per row. */
class Interner {
  readonly #bytes: Uint8Array[] = [];
  readonly #words: string[] = [];
  #last = -1;

  get(view: Buffer, start: number, end: number): string {
    const n = end - start;
    const last = this.#last;
    if (last >= 0 && this.#same(last, view, start, n)) return this.#words[last];
    for (let w = 0; w < this.#words.length; w++) {
      if (w !== last && this.#same(w, view, start, n)) return this.#words[(this.#last = w)];
    }
    const word = view.toString("latin1", start, end);
    if (this.#words.length < 64) {
      this.#last = this.#words.length;
      this.#words.push(word);
      this.#bytes.push(view.subarray(start, end).slice());
    }
    return word;
  }

  #same(w: number, view: Uint8Array, start: number, n: number): boolean {
    const b = this.#bytes[w];
    if (b.length !== n) return false;
    for (let i = 0; i < n; i++) if (b[i] !== view[start + i]) return false;
    return true;
  }
}

/** Reads CSV registry records (of the header's width) into a table. */
export class CsvRegistryRows {
  readonly #table: RegistryTable;
  readonly #ids: IdSet;
  readonly #maxField: number;
  readonly #meterTypes: MeterTypeLookup | undefined;
  /** Record position of each FIELDS column, -1 when the header lacks it. */
  readonly #at = new Int32Array(FIELDS.length).fill(-1);
  /** FIELDS positions of the registry columns the header has. */
  readonly #fields: number[] = [];
  readonly #plans = new Map<string, TypePlan | null>();
  /** The current row's field bytes by FIELDS position ([0, 0) when the header lacks the column). */
  readonly #s = new Int32Array(FIELDS.length);
  readonly #e = new Int32Array(FIELDS.length);
  #plan_: TypePlan | null = null;
  /** The header has no pulse column. */
  readonly #pulseless: boolean;
  #sameUnit = true;
  readonly #texts = [new Interner(), new Interner(), new Interner(), new Interner()];
  #buf: Uint8Array | null = null;
  #view: Buffer = Buffer.alloc(0);

  readonly #dates: LastEndBound | undefined;

  constructor(columns: ReadonlyMap<string, number>, table: RegistryTable, ids: IdSet, maxField: number, meterTypes?: MeterTypeLookup,
    dates?: LastEndBound) {
    this.#dates = dates;
    this.#table = table;
    this.#ids = ids;
    this.#maxField = maxField;
    this.#meterTypes = meterTypes;
    FIELDS.forEach((name, k) => {
      const p = columns.get(name);
      if (p === undefined) return;
      this.#at[k] = p;
      this.#fields.push(k);
    });
    this.#pulseless = PULSE_FIELDS.every((k) => this.#at[k] < 0);
  }

  /**
   * Reads one record: null when its meter was added to the table, the reason when it is
   * rejected, SLOW when toMeterRecord must read it. `ascii`: every byte of the input so far is ASCII.
   */
  row(tok: CsvRecord, ascii: boolean): RegistryRejectReason | null | typeof SLOW {
    const buf = tok.buf;
    if (buf !== this.#buf) {
      this.#buf = buf;
      this.#view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const view = this.#view;
    const fs = tok.fieldStart;
    const fe = tok.fieldEnd;
    const fx = tok.fieldEscaped;
    const at = this.#at;
    const fields = this.#fields;
    // The row's registry fields by FIELDS position (those the header lacks stay [0, 0)).
    const s = this.#s;
    const e = this.#e;
    let longest = 0;
    for (let j = 0; j < fields.length; j++) {
      const k = fields[j];
      const p = at[k];
      if (fx[p] !== 0) return SLOW;
      const a = fs[p];
      const b = fe[p];
      if (!ascii) for (let i = a; i < b; i++) if (buf[i] >= 0x80) return SLOW;
      s[k] = a;
      e[k] = b;
      if (b - a > longest) longest = b - a;
    }

    const is = s[ID];
    const ie = e[ID];
    if (blankBytes(buf, is, ie)) return "missing_meter_id";
    if (ie - is > MAX_METER_ID_BYTES || !idBytesOk(buf, is, ie)) return "bad_meter_id";
    const hash = fnv(buf, is, ie);
    const idAt = this.#ids.claim(buf, is, ie, hash);
    if (idAt < 0) return "duplicate_meter_id";
    if (longest > this.#maxField) return "field_too_long";

    const texts = this.#texts;
    const typeName = e[TYPE] > s[TYPE] ? texts[0].get(view, s[TYPE], e[TYPE]) : null;
    let plan: TypePlan | null = null;
    let sameUnit = true;
    if (this.#meterTypes !== undefined && typeName !== null) {
      plan = this.#plan(typeName);
      if (plan === null) return "unknown_meter_type";
      if (plan.type.kind === "register" && e[WEIGHT] > s[WEIGHT]) return "bad_pulse_weight";
      sameUnit = !(e[UNIT] > s[UNIT]) || texts[1].get(view, s[UNIT], e[UNIT]) === plan.type.unit;
    }
    this.#plan_ = plan;
    this.#sameUnit = sameUnit;

    const scalingFactor = this.#num(buf, SCALE, 1);
    if (!(scalingFactor > 0 && scalingFactor <= MAX_MULTIPLIER)) return "bad_scaling_factor";
    const resetValue = this.#num(buf, RESET, null);
    if (resetValue !== null && !(resetValue > 0 && resetValue <= MAX_REGISTER)) return "bad_reset_value";
    const digits = this.#num(buf, DIGITS, null);
    if (digits !== null && !(Number.isInteger(digits) && digits >= 1 && digits <= MAX_DIGITS)) return "bad_digits";
    if (resetValue !== null && digits !== null && resetValue > 10 ** digits) return "bad_reset_value";
    let modulus: boolean;
    if (e[MODE] > s[MODE]) {
      modulus = same(buf, s[MODE], e[MODE], MODULUS);
      if (!modulus && !same(buf, s[MODE], e[MODE], DOCUMENTED)) return "bad_rollover_mode";
    } else {
      const mode = this.#def(MODE);
      if (!absent(mode) && mode !== "documented" && mode !== "modulus") return "bad_rollover_mode";
      modulus = mode === "modulus";
    }
    let parent: string | null = null;
    if (e[PARENT] > s[PARENT]) {
      if (same(buf, s[PARENT], e[PARENT], buf, is, ie)) return "bad_parent_id";
      parent = view.toString("latin1", s[PARENT], e[PARENT]);
    }
    const unitPrice = this.#num(buf, PRICE, null);
    const basicFeePerDay = this.#num(buf, FEE, null);
    if (Number.isNaN(unitPrice) || Number.isNaN(basicFeePerDay)) return "bad_number";

    let lastReading: number | null = null;
    let lastEnd = NO_DAY;
    if ((e[LAST_READING] > s[LAST_READING]) !== (e[LAST_END] > s[LAST_END])) return "bad_last_reading";
    if (e[LAST_READING] > s[LAST_READING]) {
      lastReading = this.#num(buf, LAST_READING, null) as number;
      if (!(lastReading >= 0 && lastReading < MAX_REGISTER)) return "bad_last_reading";
      if (resetValue !== null && lastReading >= resetValue) return "bad_last_reading";
      if (digits !== null && lastReading >= 10 ** digits) return "bad_last_reading";
      if (e[LAST_END] - s[LAST_END] <= MAX_DATE) lastEnd = parseDayBytes(buf, s[LAST_END], e[LAST_END]);
      if (lastEnd === NO_DAY || pastLatest(this.#dates, lastEnd)) return "bad_last_end";
    }

    const unit = e[UNIT] > s[UNIT] ? texts[1].get(view, s[UNIT], e[UNIT]) : text(this.#def(UNIT));
    const costCenter = e[COST] > s[COST] ? texts[2].get(view, s[COST], e[COST]) : null;
    const glAccount = e[GL] > s[GL] ? texts[3].get(view, s[GL], e[GL]) : null;
    if (unit === undefined) return "bad_text";

    // A register meter of a file without pulse columns (the common case) has no pulse field to check.
    const pulseless = this.#pulseless && (plan === null || plan.pulseless);
    const pulseWeight = pulseless ? null : this.#num(buf, WEIGHT, null);
    if (pulseWeight !== null && !(pulseWeight > 0 && pulseWeight <= MAX_MULTIPLIER)) return "bad_pulse_weight";
    if (pulseWeight === null && typeName?.endsWith(".pulse") === true) return "bad_pulse_weight";
    let pulseInput = Number.NaN;
    let pulseWidthMs: number | null = null;
    let qmax: number | null = null;
    let noPulseDays: number | null = null;
    let debounceMs: number | null = null;
    if (!pulseless) {
      const input = e[INPUT] > s[INPUT] ? view.toString("latin1", s[INPUT], e[INPUT]) : this.#def(INPUT);
      if (!absent(input) && !(typeof input === "string" && Object.hasOwn(PULSE_INPUT, input))) return "bad_pulse_input";
      pulseInput = pulseWeight === null ? Number.NaN : absent(input) ? PULSE_INPUT.s0a : PULSE_INPUT[input as keyof typeof PULSE_INPUT];
      pulseWidthMs = this.#num(buf, WIDTH, null);
      qmax = this.#num(buf, QMAX, null);
      noPulseDays = this.#num(buf, NO_PULSE, null);
      debounceMs = this.#num(buf, DEBOUNCE, null);
      if (pulseWeight === null && (!absent(input) || pulseWidthMs !== null || qmax !== null || noPulseDays !== null || debounceMs !== null)) return "bad_pulse_weight";
      if ((pulseWidthMs !== null && !(pulseWidthMs >= 0)) || (qmax !== null && !(qmax >= 0)) ||
        (noPulseDays !== null && !(noPulseDays >= 0)) || (debounceMs !== null && !(debounceMs >= 0))) return "bad_pulse_setting";
      if (noPulseDays !== null && !(Number.isInteger(noPulseDays) && noPulseDays >= 1)) return "bad_pulse_setting";
    }

    const t = this.#table;
    const i = t.addRow(idAt, idAt + ie - is, hash);
    const c = t.capacity;
    t.type.set(i, typeName ?? "");
    t.unit.set(i, unit ?? "");
    t.parentId.set(i, parent);
    t.costCenter.set(i, costCenter);
    t.glAccount.set(i, glAccount);
    t.scalingFactor.set(i, scalingFactor, c);
    t.resetValue.set(i, orNaN(resetValue), c);
    t.digits.set(i, orNaN(digits), c);
    t.rolloverMode.set(i, modulus ? 1 : 0, c);
    t.unitPrice.set(i, orNaN(unitPrice), c);
    t.basicFeePerDay.set(i, orNaN(basicFeePerDay), c);
    t.lastReading.set(i, orNaN(lastReading), c);
    t.lastEnd.set(i, lastEnd === NO_DAY ? Number.NaN : lastEnd, c);
    t.pulseWeight.set(i, orNaN(pulseWeight), c);
    t.pulseInput.set(i, pulseInput, c);
    t.pulseWidthMs.set(i, orNaN(pulseWidthMs), c);
    t.qmax.set(i, orNaN(qmax), c);
    t.noPulseDays.set(i, orNaN(noPulseDays), c);
    t.debounceMs.set(i, orNaN(debounceMs), c);
    t.length = i + 1;
    return null;
  }

  /** The default of a column the row leaves empty (undefined: none), as toMeterRecord's getter gives it. */
  #def(k: number): unknown {
    const plan = this.#plan_;
    return plan === null || (!this.#sameUnit && (k === WEIGHT || k === QMAX)) ? undefined : plan.value[k];
  }

  /** optionalNumber of a column as toMeterRecord's getter gives it: the row's, else its type's default, else `fallback`. */
  #num<F extends number | null>(buf: Uint8Array, k: number, fallback: F): number | F {
    const s = this.#s[k];
    const e = this.#e[k];
    if (e > s) {
      const v = parseNumberBytes(buf, s, e);
      return Number.isFinite(v) ? v : Number.NaN;
    }
    const plan = this.#plan_;
    if (plan === null || (!this.#sameUnit && (k === WEIGHT || k === QMAX))) return fallback;
    const v = plan.number[k];
    return v === undefined ? fallback : v;
  }

  #plan(name: string): TypePlan | null {
    let plan = this.#plans.get(name);
    if (plan !== undefined) return plan;
    const type = (this.#meterTypes as MeterTypeLookup)(name);
    const value = type === undefined ? [] : FIELDS.map((column) => typeDefault(type, column));
    plan = type === undefined ? null : {
      type,
      value,
      pulseless: PULSE_FIELDS.every((k) => absent(value[k])),
      number: FIELDS.map((column) => {
        const v = typeDefault(type, column);
        return absent(v) ? undefined : optionalNumber(v, 0);
      }),
    };
    this.#plans.set(name, plan);
    return plan;
  }
}

const orNaN = (v: number | null) => (v === null ? Number.NaN : v);

/** Whether `a[as, ae)` holds the bytes of `b[bs, be)` (all of `b` by default). */
function same(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs = 0, be = b.length): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}
