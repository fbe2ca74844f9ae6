// A re-imported registry row over the meter's stored one (README "Meter registry"): a column the
// file does not have (a CSV header without it, an NDJSON record without the key) keeps the
// meter's stored value (but see TYPE_FILLED); a column the file has, even empty, is the file's. The merged row is then
// checked as any row (toMeterRecord): a price file `meter_id,unit_price` changes prices and
// leaves scaling factors, digits and baselines as they were.
import { formatDay } from "../time/day.js";
import type { MeterRecord } from "./meter.js";
import { absent, meterIdOf, optionalNumber, text, typeDefault } from "./registry-row.js";
import type { FieldGetter, MeterTypeLookup } from "./registry-row.js";

/** The stored registry rows a re-import reads rows over. */
export interface StoredMeters {
  has(meterId: string): boolean;
  /** The meter's stored row; undefined when it has none. */
  get(meterId: string): MeterRecord | undefined;
}

/** A stored row's value of a registry column, as a row would give it (null: not given). */
export function storedField(r: MeterRecord, column: string): unknown {
  switch (column) {
    case "type": return r.type;
    case "unit": return r.unit;
    case "scaling_factor": return r.scalingFactor;
    case "reset_value": return r.resetValue;
    case "digits": return r.digits;
    case "rollover_mode": return r.rolloverMode;
    case "parent_id": return r.parentId;
    case "unit_price": return r.unitPrice;
    case "basic_fee_per_day": return r.basicFeePerDay;
    case "cost_center": return r.costCenter;
    case "gl_account": return r.glAccount;
    case "last_reading": return r.lastReading;
    case "last_end": return r.lastEnd === null ? null : formatDay(r.lastEnd);
    case "pulse_weight": return r.pulseWeight;
    case "pulse_input": return r.pulseInput;
    case "pulse_width_ms": return r.pulseWidthMs;
    case "qmax": return r.qmax;
    case "no_pulse_days": return r.noPulseDays;
    case "debounce_ms": return r.debounceMs;
    default: return undefined;
  }
}

/**
 * The columns a meter type's defaults fill (registry-row.ts typeDefault). When a row changes its
 * meter's type or unit, a stored value that its old type's default gave is not kept (the new
 * type's default, or the row's value, takes its place, as for a new meter), while a value that
 * differs from it was given and is kept (a CT meter's factor 40 survives a unit spelt again). The
 * pulse weight and Qmax are in the unit: never kept across such a change (a `water.pulse` meter
 * moved to `l` must give its weight; kept, 0.001 m3 per pulse would bill a thousandth).
 */
const TYPE_FILLED = new Set(["unit", "scaling_factor", "digits", "rollover_mode", "pulse_weight", "pulse_input", "pulse_width_ms", "qmax", "no_pulse_days", "debounce_ms"]);
const IN_UNIT = new Set(["pulse_weight", "qmax"]);

/** Whether the row gives its meter another type or unit than the stored row's. */
function retypes(get: FieldGetter, r: MeterRecord): boolean {
  const type = get("type");
  const unit = get("unit");
  return (type !== undefined && (text(type) ?? "") !== r.type) || (unit !== undefined && (text(unit) ?? "") !== r.unit);
}

/** Whether `value` is what the stored row's type would have filled `column` with. */
function fromDefault(r: MeterRecord, column: string, value: unknown, meterTypes: MeterTypeLookup | undefined): boolean {
  const type = r.type === "" || meterTypes === undefined ? undefined : meterTypes(r.type);
  if (type === undefined || value === null) return false;
  const d = typeDefault(type, column);
  if (absent(d)) return false;
  return typeof value === "number" ? optionalNumber(d, null) === value : value === d;
}

/**
 * `get` with the columns it lacks read from the meter's stored row, when it has one (`meterTypes`:
 * the plugins' types, to tell a value their default gave).
 */
export function keepStored(get: FieldGetter, stored: StoredMeters, meterTypes?: MeterTypeLookup): FieldGetter {
  let record: MeterRecord | undefined | null = null;
  let retyped: boolean | undefined;
  return (name) => {
    const v = get(name);
    if (v !== undefined || name === "meter_id") return v;
    if (record === null) record = stored.get(meterIdOf(get));
    if (record === undefined) return undefined;
    const value = storedField(record, name);
    if (TYPE_FILLED.has(name) && (retyped ??= retypes(get, record))) {
      if (IN_UNIT.has(name) || fromDefault(record, name, value, meterTypes)) return undefined;
    }
    return value;
  };
}
