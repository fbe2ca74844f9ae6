// One meter registry row, from its fields as decoded values, to a MeterRecord or the reason
// it was rejected. CSV gives strings, NDJSON numbers or strings; "", null and absent all mean
// "not given".
import { blankText } from "../ingest/blank.js";
import { idTextOk } from "../ingest/id-text.js";
import { MAX_DIGITS, MAX_MULTIPLIER, MAX_REGISTER } from "../consumption/registers.js";
import { dayOfValue, NO_DAY, numberOfValue } from "../ingest/index.js";
import { PULSE_INPUT } from "../pulses/profiles.js";
import type { PulseInputName } from "../pulses/profiles.js";
import type { MeterTypeDefinition } from "../../sdk/index.js";
import type { MeterRecord, RolloverModeName } from "./meter.js";

/**
 * Why a registry row was rejected, in the order the checks run (the first that applies wins;
 * `bad_pulse_weight` is also checked with the type: a weight on a register type).
 */
export const REGISTRY_REJECT = [
  "malformed_record",
  "column_count",
  "misspelt_column",
  "missing_meter_id",
  "bad_meter_id",
  "duplicate_meter_id",
  "field_too_long",
  "unknown_meter_type",
  "bad_scaling_factor",
  "bad_reset_value",
  "bad_digits",
  "bad_rollover_mode",
  "bad_parent_id",
  "bad_number",
  "bad_last_reading",
  "bad_last_end",
  "bad_text",
  "bad_pulse_weight",
  "bad_pulse_input",
  "bad_pulse_setting",
] as const;

/** A registry rejection reason. */
export type RegistryRejectReason = (typeof REGISTRY_REJECT)[number];

/** Longest meter id in UTF-8 bytes. */
export const MAX_METER_ID_BYTES = 256;

/** Reads a field by its registry column name; undefined when absent. */
export type FieldGetter = (name: string) => unknown;

/** Finds a meter type by name (the plugins' meter types); undefined when no plugin defines it. */
export type MeterTypeLookup = (name: string) => MeterTypeDefinition | undefined;

/**
 * The last day a `last_end` may be (days since 1970-01-01), and the earliest `last_end` rejected
 * for lying after it (Infinity: none), which the import keeps to read the file again once that
 * day has come (registry/import.ts).
 */
export interface LastEndBound {
  latest: number;
  firstFuture: number;
}

/** Whether `lastEnd` lies after `dates.latest` (then remembered as `firstFuture` when earliest). */
export function pastLatest(dates: LastEndBound | undefined, lastEnd: number): boolean {
  if (dates === undefined || lastEnd <= dates.latest) return false;
  dates.firstFuture = Math.min(dates.firstFuture, lastEnd);
  return true;
}

/** The meter ids earlier rows claimed: a Set, or anything that answers and records as one. */
export interface SeenIds {
  has(meterId: string): boolean;
  add(meterId: string): unknown;
}

/** Registry column -> the meter type default that fills it when the row leaves it empty. */
export function typeDefault(type: MeterTypeDefinition, column: string): unknown {
  const d = type.defaults as Record<string, unknown> | undefined;
  if (d === undefined) return undefined;
  switch (column) {
    case "unit": return type.unit;
    case "scaling_factor": return d.scalingFactor;
    case "digits": return d.digits;
    case "rollover_mode": return d.rolloverMode;
    case "pulse_weight": return d.pulseWeight;
    case "pulse_input": return d.pulseInput;
    case "pulse_width_ms": return d.pulseWidthMs;
    case "qmax": return d.qmax;
    case "no_pulse_days": return d.noPulseDays;
    case "debounce_ms": return d.debounceMs;
    default: return undefined;
  }
}

/** The meter id a row names ("" when it has none usable), for messages and duplicate checks. */
export function meterIdOf(get: FieldGetter): string {
  const id = get("meter_id");
  if (typeof id === "string") return id;
  if ((typeof id === "number" && Number.isFinite(id)) || typeof id === "bigint") return String(id);
  return "";
}

/**
 * A validated MeterRecord, or the reason the row is rejected. `seen` holds the meter ids of
 * earlier rows: the first row with an id claims it, later ones are `duplicate_meter_id`. A
 * `last_end` after `dates.latest` is `bad_last_end` (a baseline in the future holds every reading).
 */
export function toMeterRecord(fields: FieldGetter, seen: SeenIds, maxFieldBytes: number, meterTypes?: MeterTypeLookup,
  dates?: LastEndBound): MeterRecord | RegistryRejectReason {
  let get = fields;
  const raw = get("meter_id");
  if (absent(raw)) return "missing_meter_id";
  const meterId = meterIdOf(get);
  if (blankText(meterId)) return "missing_meter_id";
  if (Buffer.byteLength(meterId, "utf8") > MAX_METER_ID_BYTES || !idTextOk(meterId)) return "bad_meter_id";
  if (seen.has(meterId)) return "duplicate_meter_id";
  seen.add(meterId);

  // A string of n UTF-16 units has at most 3n UTF-8 bytes: only long ones are measured.
  const shortEnough = Math.floor(maxFieldBytes / 3);
  const tooLong = FIELDS.some((name) => {
    const v = get(name);
    return typeof v === "string" && v.length > shortEnough && Buffer.byteLength(v, "utf8") > maxFieldBytes;
  });
  if (tooLong) return "field_too_long";

  // The meter type's defaults fill what the row leaves empty.
  const typeName = text(fields("type"));
  if (meterTypes !== undefined && typeof typeName === "string") {
    const type = meterTypes(typeName);
    if (type === undefined) return "unknown_meter_type";
    if (type.kind === "register" && !absent(fields("pulse_weight"))) return "bad_pulse_weight";
    // A pulse weight or Qmax is in the type's unit: a row in another unit must give its own
    // (`water.pulse` in `l` with the type's 0.001 m3 would bill a thousandth).
    const unit = text(fields("unit"));
    const sameUnit = unit === null || unit === type.unit;
    get = (name) => {
      const v = fields(name);
      if (!absent(v)) return v;
      if (!sameUnit && (name === "pulse_weight" || name === "qmax")) return undefined;
      return typeDefault(type, name);
    };
  }
  const scalingFactor = optionalNumber(get("scaling_factor"), 1);
  if (!(scalingFactor !== null && scalingFactor > 0 && scalingFactor <= MAX_MULTIPLIER)) return "bad_scaling_factor";
  const resetValue = optionalNumber(get("reset_value"), null);
  if (resetValue !== null && !(resetValue > 0 && resetValue <= MAX_REGISTER)) return "bad_reset_value";
  const digits = optionalNumber(get("digits"), null);
  if (digits !== null && !(Number.isInteger(digits) && digits >= 1 && digits <= MAX_DIGITS)) return "bad_digits";
  // A register of `digits` dials shows at most 10^digits - 1: it cannot wrap above 10^digits.
  if (resetValue !== null && digits !== null && resetValue > 10 ** digits) return "bad_reset_value";
  const mode = get("rollover_mode");
  if (!absent(mode) && mode !== "documented" && mode !== "modulus") return "bad_rollover_mode";
  const rolloverMode: RolloverModeName = mode === "modulus" ? "modulus" : "documented";
  const parent = text(get("parent_id"));
  if (parent === undefined || parent === meterId) return "bad_parent_id";
  const unitPrice = optionalNumber(get("unit_price"), null);
  const basicFeePerDay = optionalNumber(get("basic_fee_per_day"), null);
  if (Number.isNaN(unitPrice) || Number.isNaN(basicFeePerDay)) return "bad_number";

  const lastReadingRaw = get("last_reading");
  const lastEndRaw = get("last_end");
  let lastReading: number | null = null;
  let lastEnd: number | null = null;
  if (absent(lastReadingRaw) !== absent(lastEndRaw)) return "bad_last_reading";
  if (!absent(lastReadingRaw)) {
    lastReading = optionalNumber(lastReadingRaw, null);
    if (lastReading === null || !(lastReading >= 0 && lastReading < MAX_REGISTER)) return "bad_last_reading";
    if (resetValue !== null && lastReading >= resetValue) return "bad_last_reading";
    if (digits !== null && lastReading >= 10 ** digits) return "bad_last_reading";
    lastEnd = dayOfValue(lastEndRaw);
    if (lastEnd === NO_DAY || pastLatest(dates, lastEnd)) return "bad_last_end";
  }

  const type = text(get("type"));
  const unit = text(get("unit"));
  const costCenter = text(get("cost_center"));
  const glAccount = text(get("gl_account"));
  if (type === undefined || unit === undefined || costCenter === undefined || glAccount === undefined) return "bad_text";

  const pulseWeight = optionalNumber(get("pulse_weight"), null);
  if (pulseWeight !== null && !(pulseWeight > 0 && pulseWeight <= MAX_MULTIPLIER)) return "bad_pulse_weight";
  if (pulseWeight === null && type?.endsWith(".pulse") === true) return "bad_pulse_weight";
  const input = get("pulse_input");
  if (!absent(input) && !(typeof input === "string" && Object.hasOwn(PULSE_INPUT, input))) return "bad_pulse_input";
  const pulseInput = pulseWeight === null ? null : absent(input) ? "s0a" : (input as PulseInputName);
  const settings = ["pulse_width_ms", "qmax", "no_pulse_days", "debounce_ms"].map((name) => optionalNumber(get(name), null));
  // Pulse settings are a pulse meter's: without a weight they would be dropped unseen.
  if (pulseWeight === null && (!absent(input) || settings.some((v) => v !== null))) return "bad_pulse_weight";
  if (settings.some((v) => v !== null && !(v >= 0))) return "bad_pulse_setting";
  const [pulseWidthMs, qmax, noPulseDays, debounceMs] = settings;
  // Whole days, at least one (0 would flag every interval without pulses at once).
  if (noPulseDays !== null && !(Number.isInteger(noPulseDays) && noPulseDays >= 1)) return "bad_pulse_setting";

  return {
    meterId,
    type: type ?? "",
    unit: unit ?? "",
    scalingFactor,
    resetValue,
    digits,
    rolloverMode,
    parentId: parent,
    unitPrice,
    basicFeePerDay,
    costCenter,
    glAccount,
    lastReading,
    lastEnd,
    pulseWeight,
    pulseInput,
    pulseWidthMs,
    qmax,
    noPulseDays,
    debounceMs,
  };
}

/** The registry's column names. */
export const FIELDS = [
  "meter_id",
  "type",
  "unit",
  "scaling_factor",
  "reset_value",
  "digits",
  "rollover_mode",
  "parent_id",
  "unit_price",
  "basic_fee_per_day",
  "cost_center",
  "gl_account",
  "last_reading",
  "last_end",
  "pulse_weight",
  "pulse_input",
  "pulse_width_ms",
  "qmax",
  "no_pulse_days",
  "debounce_ms",
] as const;

export function absent(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** A number field: `fallback` when absent, NaN when present but not a finite number. */
export function optionalNumber<F extends number | null>(value: unknown, fallback: F): number | F {
  if (absent(value)) return fallback;
  const n = numberOfValue(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** A text field: null when absent, the text of a string or number, undefined when neither. */
export function text(value: unknown): string | null | undefined {
  if (absent(value)) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
