// Test helpers: a split-based CSV reader (demo files never quote) and a row classifier that
// mirrors DESIGN.md's rejection reasons, to check generated files independently of ingest.
import { readFileSync } from "node:fs";
import { parseDay } from "../../../engine/time/index.js";
import type { BadRowReason } from "../../../engine/demo/index.js";

/** A CSV file as header and rows (with 1-based physical line numbers). */
export interface Csv {
  header: string[];
  rows: Array<{ line: number; text: string; fields: string[] }>;
}

export function readCsv(path: string): Csv {
  const text = readFileSync(path, "latin1");
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return {
    header: lines[0].split(","),
    rows: lines.slice(1).map((line, i) => ({ line: i + 2, text: line, fields: line.split(",") })),
  };
}

/** Registry settings the classifier needs. */
export interface RegistryRow {
  id: string;
  digits: number | null;
  reset: number | null;
  fields: Record<string, string>;
}

/** The register meters of a demo registry (pulse meters, with a pulse_weight, are left out). */
export function readRegistry(path: string): Map<string, RegistryRow> {
  const csv = readCsv(path);
  const out = new Map<string, RegistryRow>();
  for (const row of csv.rows) {
    const fields = Object.fromEntries(csv.header.map((h, i) => [h, row.fields[i]]));
    if ((fields.pulse_weight ?? "") !== "") continue;
    out.set(fields.meter_id, {
      id: fields.meter_id,
      digits: fields.digits === "" ? null : Number(fields.digits),
      reset: fields.reset_value === "" ? null : Number(fields.reset_value),
      fields,
    });
  }
  return out;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Why a readings row must be rejected, or null; `today` is a day number. */
export function classify(fields: string[], registry: Map<string, RegistryRow>, today: number): BadRowReason | null {
  return violations(fields, registry, today)[0] ?? null;
}

/** Every rule a readings row breaks (DESIGN.md rejection reasons), in no particular precedence. */
export function violations(fields: string[], registry: Map<string, RegistryRow>, today: number): BadRowReason[] {
  if (fields.length !== 6) return ["column_count"];
  const out: BadRowReason[] = [];
  if (fields.some((f) => f.length > 1024)) out.push("field_too_long");
  const [id, end, value, override, source, verification] = fields;
  if (id === "") out.push("missing_meter_id");
  const day = parseDay(end);
  if (Number.isNaN(day)) out.push("bad_date");
  else if (day > today) out.push("future_date");
  if (value === "NaN" || value === "Infinity" || value === "-Infinity") out.push("non_finite_value");
  else if (!NUMBER.test(value)) out.push("bad_value");
  else if (Number(value) < 0) out.push("negative_value");
  const meter = registry.get(id);
  const v = Number(value);
  if (meter !== undefined && NUMBER.test(value) && v >= 0) {
    if ((meter.digits !== null && v >= 10 ** meter.digits) || (meter.reset !== null && v >= meter.reset)) out.push("value_exceeds_register");
  }
  if (override !== "" && !NUMBER.test(override)) out.push("bad_override");
  if (!["", "auto", "manual", "import"].includes(source)) out.push("bad_source");
  if (!["", "true", "false"].includes(verification)) out.push("bad_verification");
  return out;
}
