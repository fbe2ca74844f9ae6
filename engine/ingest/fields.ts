// Validation of one reading given as decoded values (an NDJSON object, a msgpack map or a row
// of a columnar msgpack batch): the same rejection rules, in the same order, as the CSV reader.
import { MAX_REGISTER } from "../consumption/registers.js";
import { blankText } from "./blank.js";
import { idTextOk } from "./id-text.js";
import { NO_DAY } from "./batch.js";
import type { BatchBuilder } from "./builder.js";
import { dayOfValue, lastInstantMs } from "./dates.js";
import { numberOfValue } from "./numbers.js";
import { PULSE_FIELD_NAMES, PULSE_FIELDS, pulseValueOf } from "./pulse-fields.js";
import type { ResolvedReadOptions } from "./options.js";
import { REJECT, SOURCE, VERIFICATION } from "./reasons.js";

const R = REJECT;
let lastEndText = "";
let lastEndDay = NO_DAY;

/** The fields of a reading as decoded values (undefined when absent). */
export interface ReadingValues {
  meter_id?: unknown;
  end?: unknown;
  value?: unknown;
  override?: unknown;
  source?: unknown;
  verification?: unknown;
  [pulseField: string]: unknown;
}

/**
 * Writes row `r` of `b` from decoded values and returns its rejection code (0 when valid).
 * `tooLong` says whether any field of the record exceeds maxFieldBytes; `misspelt` whether it
 * has a known column in another spelling (key-spelling.ts): then its reason, unless its meter id is.
 */
export function writeValues(b: BatchBuilder, r: number, v: ReadingValues, tooLong: boolean, o: ResolvedReadOptions, misspelt = false): number {
  let reason = 0;
  let meter = -1;
  const id = v.meter_id;
  const idText =
    typeof id === "string" ? id : (typeof id === "number" && Number.isFinite(id)) || typeof id === "bigint" ? String(id) : "";
  // An id given as something else than text or a number (a list, bytes, a map) is no id, not a missing one.
  if (blankText(idText)) reason = absent(id) || typeof id === "string" ? R.missing_meter_id : R.bad_meter_id;
  else if (!idTextOk(idText)) reason = R.bad_meter_id;
  else if (!exceeds(idText, o.maxFieldBytes)) meter = o.meters.intern(idText);
  if (misspelt && reason === 0) reason = R.misspelt_column;

  let value = numberOfValue(v.value);
  const noValue = absent(v.value);
  const sensor = o.channels.size === 0 ? 0 : sensorValues(b, r, v, o, noValue ? Number.NaN : value, noValue);
  if (sensor < 0 && reason === 0) reason = -sensor;
  if (sensor !== 0) value = Number.NaN;
  else if (reason === 0) {
    if (value !== value) reason = R.bad_value;
    else if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) reason = R.non_finite_value;
    else if (value < 0) reason = R.negative_value;
    // No register shows 22 digits (consumption.ts's bound): every consumption stays a finite number.
    else if (value >= MAX_REGISTER) reason = R.value_exceeds_register;
  }
  // Batches repeat end dates: reuse the last parse for the same text.
  const endValue = v.end;
  let day: number;
  if (typeof endValue === "string" && endValue === lastEndText) day = lastEndDay;
  else {
    day = dayOfValue(endValue);
    if (typeof endValue === "string") {
      lastEndText = endValue;
      lastEndDay = day;
    }
  }
  if (b.sensors !== undefined) b.setSensorTime(r, endValue instanceof Date ? endValue.getTime() : lastInstantMs());
  if (reason === 0) {
    if (day === NO_DAY) reason = R.bad_date;
    else if (day > o.maxEndDay) reason = R.future_date;
  }

  let override = Number.NaN;
  if (!absent(v.override)) {
    override = numberOfValue(v.override);
    if (!Number.isFinite(override)) {
      override = Number.NaN;
      if (reason === 0) reason = R.bad_override;
    }
  }
  let source: number = SOURCE.auto;
  if (!absent(v.source)) {
    // Any case, as `verification`.
    const s = typeof v.source === "string" ? v.source.toLowerCase() : v.source;
    if (s === "manual") source = SOURCE.manual;
    else if (s === "import") source = SOURCE.import;
    else if (s !== "auto" && reason === 0) reason = R.bad_source;
  }
  let verification: number = VERIFICATION.unset;
  if (!absent(v.verification)) {
    verification = verificationOf(v.verification);
    if (verification < 0) {
      verification = VERIFICATION.unset;
      if (reason === 0) reason = R.bad_verification;
    }
  }

  for (let k = 0; k < PULSE_FIELD_NAMES.length; k++) {
    const name = PULSE_FIELD_NAMES[k];
    const raw = v[name];
    if (raw === undefined) continue;
    const p = pulseValueOf(raw);
    if (p !== p) continue;
    if (p < 0) {
      if (reason === 0) reason = R.bad_pulse_field;
      continue;
    }
    b.enablePulse()[PULSE_FIELDS[name]][r] = p;
  }

  // A field over the limit is the reason, whatever it holds (2,000 digits are no value).
  if (tooLong) reason = R.field_too_long;
  b.setRow(r, meter, day, value, override, source, verification, reason);
  return reason;
}

/**
 * Records row `r`'s channel values from decoded values (see csv.ts sensorValues): 0 for a
 * reading row, 1 for a sensor row, or minus a rejection code.
 */
function sensorValues(b: BatchBuilder, r: number, v: ReadingValues, o: ResolvedReadOptions, value: number, noValue: boolean): number {
  const channel = v.channel;
  if (!absent(channel)) return b.channelRow(r, typeof channel === "string" ? o.channels.get(channel) : undefined, value);
  let found = 0;
  let bad = false;
  for (const [name, index] of o.channels) {
    const raw = v[name];
    if (absent(raw)) continue;
    const x = numberOfValue(raw);
    if (!Number.isFinite(x)) {
      bad = true;
      if (!noValue) b.addSensorValue(r, index, Number.NaN, x);
      continue;
    }
    b.addSensorValue(r, index, Number.NaN, x);
    found++;
  }
  return b.wideRow(r, noValue, found, bad);
}

/** The VERIFICATION code of a decoded value, or -1. */
export function verificationOf(value: unknown): number {
  if (value === true || value === 1) return VERIFICATION.true;
  if (value === false || value === 0) return VERIFICATION.false;
  if (typeof value === "string") {
    const t = value.toLowerCase();
    if (t === "true" || t === "1") return VERIFICATION.true;
    if (t === "false" || t === "0") return VERIFICATION.false;
  }
  return -1;
}

/** Whether a string's UTF-8 length exceeds `max` bytes. */
export function exceeds(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, "utf8") > max;
}

/** Whether any string among an object's own values exceeds `max` bytes. */
export function anyTooLong(record: Record<string, unknown>, max: number): boolean {
  for (const key in record) {
    const v = record[key];
    if (typeof v === "string" && exceeds(v, max)) return true;
  }
  return false;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}
