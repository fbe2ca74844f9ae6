// Options shared by the readings readers, validated once when a reader starts; a bad option
// names itself (InvalidOptionError, MF_ERR_INVALID_OPTION).
import { InvalidOptionError } from "../errors.js";
import { today } from "../time/current.js";
import type { MeterIndex } from "./meter-index.js";

/** Options of readCsvReadings, readNdjsonReadings and readMsgpackReadings. */
export interface ReadReadingsOptions {
  /** The run's meter index: readers intern meter ids into it. */
  meters: MeterIndex;
  /** Rows per batch; default 65536. */
  batchSize?: number;
  /** Latest accepted end day (day number); later ends are `future_date`. Default: today (in the thread's time zone) + 1. */
  maxEndDay?: number;
  /** Longest field in bytes; longer is `field_too_long`. Default 1024. */
  maxFieldBytes?: number;
  /** Longest CSV record or NDJSON line in bytes; longer is `malformed_record`. Default 64 KiB. */
  maxRecordBytes?: number;
  /** Longest msgpack value in bytes (a columnar batch is one value); default 64 MiB. */
  maxMsgpackValueBytes?: number;
  /**
   * Sensor channels the plugins define, name -> index: a column of that name (or a `channel`
   * field naming it) carries the channel's values. Default none.
   */
  channels?: ReadonlyMap<string, number>;
  /**
   * CSV: the file the input is read from, whole and from its start. Rows' raw text is then read
   * back from it by offset when asked for (rejected rows), not kept: the decoder's memory holds
   * no text (window.ts reuse). Default: raw text kept in memory.
   */
  rawFile?: string;
}

/** ReadReadingsOptions with every default applied. */
export interface ResolvedReadOptions {
  meters: MeterIndex;
  batchSize: number;
  maxEndDay: number;
  maxFieldBytes: number;
  maxRecordBytes: number;
  maxMsgpackValueBytes: number;
  channels: ReadonlyMap<string, number>;
  rawFile: string | undefined;
}

export const DEFAULT_BATCH_SIZE = 65_536;
const NO_CHANNELS: ReadonlyMap<string, number> = new Map();
export const DEFAULT_MAX_FIELD_BYTES = 1024;
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
export const DEFAULT_MAX_MSGPACK_VALUE_BYTES = 64 * 1024 * 1024;

/** Applies defaults and validates; throws InvalidOptionError naming the bad option. */
export function resolveReadOptions(options: ReadReadingsOptions): ResolvedReadOptions {
  if (options === null || typeof options !== "object") throw new InvalidOptionError("options", "an object", options);
  const meters = options.meters;
  if (meters === null || typeof meters !== "object" || typeof meters.internBytes !== "function") {
    throw new InvalidOptionError("meters", "a MeterIndex", meters);
  }
  const channels = options.channels ?? NO_CHANNELS;
  if (!(channels instanceof Map)) throw new InvalidOptionError("channels", "a Map of channel names to indices", channels);
  return {
    meters,
    channels,
    rawFile: options.rawFile,
    batchSize: integer("batchSize", options.batchSize, DEFAULT_BATCH_SIZE, 1, 1 << 24),
    maxEndDay: integer("maxEndDay", options.maxEndDay, today() + 1, -1e8, 1e8),
    maxFieldBytes: integer("maxFieldBytes", options.maxFieldBytes, DEFAULT_MAX_FIELD_BYTES, 1, 1 << 30),
    maxRecordBytes: integer("maxRecordBytes", options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES, 1, 1 << 30),
    maxMsgpackValueBytes: integer(
      "maxMsgpackValueBytes",
      options.maxMsgpackValueBytes,
      DEFAULT_MAX_MSGPACK_VALUE_BYTES,
      1,
      2 ** 31 - 1,
    ),
  };
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}
