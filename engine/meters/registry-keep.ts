// A re-imported registry row over the meter's stored one (README "Meter registry"): a column the
// file does not have (a CSV header without it, an NDJSON record without the key) keeps the
// meter's stored value; a column the file has, even empty, is the file's. The merged row is then
// checked as any row (toMeterRecord): a price file `meter_id,unit_price` changes prices and
// leaves scaling factors, digits and baselines as they were.
import { formatDay } from "../time/day.js";
import type { MeterRecord } from "./meter.js";
import { meterIdOf } from "./registry-row.js";
import type { FieldGetter } from "./registry-row.js";

/** Finds a meter's stored registry row. */
export type StoredMeters = (meterId: string) => MeterRecord | undefined;

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

/** `get` with the columns it lacks read from the meter's stored row, when it has one. */
export function keepStored(get: FieldGetter, stored: StoredMeters): FieldGetter {
  let record: MeterRecord | undefined | null = null;
  return (name) => {
    const v = get(name);
    if (v !== undefined || name === "meter_id") return v;
    if (record === null) record = stored(meterIdOf(get));
    return record === undefined ? undefined : storedField(record, name);
  };
}
