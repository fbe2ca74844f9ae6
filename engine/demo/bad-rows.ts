// Rows meterflow must reject, one spelling per planted bad row, and readings of meters that are
// missing from the registry.
import type { BadRowReason } from "./manifest.js";
import type { MeterPlan } from "./fleet.js";
import { readingRow } from "./rows.js";
import type { ReadingFields } from "./rows.js";

/** Bytes of the overlong field (the limit is 1024): the value, zero-padded by a broken exporter. */
export const OVERLONG_FIELD = 1100;

/**
 * The text of a bad row standing in for a reading with fields `f`; `variant` picks between the
 * spellings of reasons planted more than once. Returns the meter id as written, too. Each bad
 * row breaks exactly one rule, so its reason does not depend on the order checks run in.
 */
export function badRowText(reason: BadRowReason, variant: number, f: ReadingFields, plan: MeterPlan): { text: string; meterId: string } {
  const row = (changes: Partial<ReadingFields>): string => readingRow({ ...f, ...changes });
  const [year, month, day] = f.end.split("-");
  switch (reason) {
    case "column_count":
      return { text: `${f.id},${f.end},${f.value}`, meterId: f.id };
    case "missing_meter_id":
      return { text: row({ id: "" }), meterId: "" };
    case "bad_value":
      return { text: row({ value: variant === 0 ? `${f.value}kWh` : "" }), meterId: f.id };
    case "non_finite_value":
      return { text: row({ value: variant === 0 ? "NaN" : "Infinity" }), meterId: f.id };
    case "negative_value":
      return { text: row({ value: `-${f.value}` }), meterId: f.id };
    case "value_exceeds_register":
      return { text: row({ value: String(10 ** plan.digits + (Number(f.value) % 1000)) }), meterId: f.id };
    case "bad_date":
      return { text: row({ end: variant === 0 ? `${year}-02-30` : `${day}.${month}.${year}` }), meterId: f.id };
    case "future_date":
      return { text: row({ end: `2099-${month}-${day}` }), meterId: f.id };
    case "field_too_long":
      return { text: row({ value: f.value.padStart(OVERLONG_FIELD, "0") }), meterId: f.id };
    case "bad_override":
      return { text: row({ override: "x12", source: "manual" }), meterId: f.id };
    case "bad_source":
      return { text: row({ source: "scada" }), meterId: f.id };
    case "bad_verification":
      return { text: row({ verification: "maybe" }), meterId: f.id };
  }
}

/** Ids for meters missing from the registry: the next free number of a prefix. */
export function unknownMeterId(plans: MeterPlan[], prefix: string): string {
  let max = 0;
  for (const p of plans) if (p.prefix === prefix) max = Math.max(max, Number(p.id.slice(2)));
  return `${prefix}-${String(max + 1).padStart(6, "0")}`;
}
