// The columnar batch every input format decodes into: typed arrays per field, meter ids
// interned to dense indices, and each row's rejection (0 = valid) with its raw text kept.
import type { MeterIndex } from "./meter-index.js";
import type { PulseReadingColumns } from "./pulse-fields.js";
import type { SensorValues } from "./sensor-values.js";

/** Sentinel day number for a row whose `end` could not be parsed. */
export const NO_DAY = -2147483648;

/** A decoded batch of readings. Rows keep file order; `length` rows are valid in each column. */
export interface ReadingBatch {
  /** Rows in this batch. */
  length: number;
  /** Source line (CSV, NDJSON: 1-based physical line where the record starts; msgpack: record number). */
  readonly line: Float64Array;
  /** Meter index in the run's MeterIndex; -1 when the row has no usable meter_id. */
  readonly meter: Int32Array;
  /** End day number (days since 1970-01-01 UTC); NO_DAY when unparseable. */
  readonly end: Int32Array;
  /** Register value; for a pulse meter, its pulse count in the interval ending at `end`. */
  readonly value: Float64Array;
  /**
   * Pulse interval data (pulse-fields.ts), present when the input has any pulse column; NaN
   * where a row does not give a field.
   */
  readonly pulse?: PulseReadingColumns;
  /** 1 for a sensor row (channel values only, no register value): accounted, never billed. */
  readonly sensorRow?: Uint8Array;
  /** Channel values of the batch's rows (sensor-values.ts), when the input carries any. */
  readonly sensors?: SensorValues;
  /** Override consumption; NaN when absent. */
  readonly override: Float64Array;
  /** SOURCE code. */
  readonly source: Uint8Array;
  /** VERIFICATION code. */
  readonly verification: Uint8Array;
  /** 1 for a reading that came with a photo of its meter (a manual reading): the has_photo fact; absent: none has. */
  readonly photo?: Uint8Array;
  /** REJECT code, 0 when the row is valid as far as the decoder can tell. */
  readonly reject: Uint8Array;
  /**
   * Raw text of rows that were rejected by the decoder, by row: the CSV line, the NDJSON line,
   * or the msgpack record as JSON. The pipeline may reject more rows later (it asks `rawOf`).
   */
  readonly rejectedRaw: Map<number, string>;
  /** Raw text of any row (for rejections decided after decoding, e.g. value beyond the register). */
  rawOf(row: number): string;
  /** The run-wide meter index the `meter` column refers to. */
  readonly meters: MeterIndex;
  /** The batch's content id (batch-id.ts), when the worker that decoded it computed it already. */
  readonly batchId?: string;
  /**
   * Per row, its meter's slot in its bucket's registry, when the decoding thread found them
   * (runtime/registry-slots.ts): a slot (>= 0), SLOT_UNKNOWN (not registered, or no meter), or
   * SLOT_BY_ID (not resolved there: look the meter up by its id).
   */
  readonly slot?: Int32Array;
  /** Per row, its meter's bucket (-1 without a meter), given with `slot` (and by routing). */
  readonly bucket?: Int32Array;
  /**
   * Per row, its meter id's bytes, in row order (routing gives them, runtime/bucket-window.ts):
   * row r's are `bytes[at[r], at[r + 1])`. A routed batch's meters are scattered over the file's
   * meter index; read here, in order, its ids cost no cache miss per meter (batch-id.ts,
   * registry-slots.ts). Bytes as decoded: an id that is not ASCII may differ from its string's UTF-8.
   */
  readonly rowIds?: RowIds;
  /**
   * Routing: some meter has rows from more than one of the window's decoded batches (a backlog's
   * days), so its rows in this batch may lie apart. Without it a meter's rows usually lie side by
   * side (registry-slots.ts reads its slot cache only where that pays).
   */
  readonly ranked?: boolean;
  /**
   * Held readings an operator released (engine/operations/held.ts): `rows[row]` is 1 for a
   * released row, re-judged with its rules' holds lifted; `reason` and `actor` are audited;
   * `held`: what made it implausible when it was held (`implausible_rollover`,
   * `negative_consumption`, `|`-separated; chain.ts `lifted`): what the operator saw and lifts.
   * `rejudge`: the held reasons carried no judgement (`unknown_meter`: its meter was not in the
   * registry), so nothing is lifted: the row is judged as a new late reading, and held again under
   * what that judgement holds it for (decide/rejudge.ts).
   */
  readonly release?: { rows: Uint8Array; reason: string; actor: string; held?: string; rejudge?: boolean };
}

/** Meter id bytes per row (ReadingBatch.rowIds). */
export interface RowIds {
  bytes: Uint8Array;
  /** rows + 1 offsets into `bytes`. */
  at: Int32Array;
}

/** `slot` of a row whose meter is not registered (or that has no meter). */
export const SLOT_UNKNOWN = -1;
/** `slot` of a row the decoding thread did not resolve: look its meter up by id. */
export const SLOT_BY_ID = -2;
