// Why a reading was rejected: stable codes written to rejected.csv's `reason` column.

/** Rejection reason codes; the code (1..) is what a ReadingBatch stores per row. */
export const REJECT = Object.freeze({
  /** A CSV row with more or fewer fields than the header. */
  column_count: 1,
  /** `meter_id` empty or missing. */
  missing_meter_id: 2,
  /** `value` missing or not a number. */
  bad_value: 3,
  /** `value` is NaN or infinite. */
  non_finite_value: 4,
  /** `value` below 0. */
  negative_value: 5,
  /** `value` at or beyond the register's range (>= 10^digits, or >= reset_value). */
  value_exceeds_register: 6,
  /** `end` missing or not an ISO 8601 date or date-time that exists. */
  bad_date: 7,
  /** `end` later than today plus the tolerance. */
  future_date: 8,
  /** A field longer than the limit (a runaway quote, a binary blob). */
  field_too_long: 9,
  /** `override` present but not a finite number. */
  bad_override: 10,
  /** `source` not one of auto, manual, import. */
  bad_source: 11,
  /** `verification` not true or false. */
  bad_verification: 12,
  /** A line or record that cannot be decoded at all (broken JSON, broken msgpack, unterminated quote). */
  malformed_record: 13,
  /** A pulse meter's `value` (its pulse count in the interval) is not a whole number. */
  bad_pulse_count: 14,
  /** A pulse column (`pulse_min_on_ms`, `loop_min_ma`, ...) present but not a number >= 0. */
  bad_pulse_field: 15,
  /** A pulse-events row whose `time` is missing or not an ISO 8601 date-time (or epoch ms). */
  bad_event_time: 16,
  /** A pulse-events row with a bad `on_ms`, `direction`, `loop_ma`, `tamper` or `magnet_mt`. */
  bad_event: 17,
  /** A `channel` that no plugin defines. */
  unknown_channel: 18,
  /** A sensor channel value that is not a number, or outside the channel's physical range. */
  out_of_range: 19,
  /** `meter_id` is not text: bytes that are not UTF-8, or U+FFFD (what a decoder makes of them): id-text.ts. */
  bad_meter_id: 20,
  /**
   * An NDJSON or msgpack record with a key that is a known column in another spelling
   * (`"Override"`): read as written it would be ignored (key-spelling.ts).
   */
  misspelt_column: 21,
  /**
   * A pulse count for a meter registered as a register: a pulse-events day, or a row with
   * `pulse_debounced`. A count is no register reading (billed as one, the register would move by
   * the difference of two days' counts).
   */
  not_a_pulse_meter: 22,
} as const);

/** A rejection reason's name. */
export type RejectReason = keyof typeof REJECT;

const NAMES: RejectReason[] = [];
for (const [name, code] of Object.entries(REJECT)) NAMES[code] = name as RejectReason;

/** The name of a rejection code. */
export function rejectReasonName(code: number): RejectReason {
  const name = NAMES[code];
  if (name === undefined) throw new RangeError(`unknown rejection code ${code}`);
  return name;
}

/** `source` codes. */
export const SOURCE = Object.freeze({ auto: 0, manual: 1, import: 2 } as const);
/** `verification` codes: absent, false, true. */
export const VERIFICATION = Object.freeze({ unset: 0, false: 1, true: 2 } as const);
