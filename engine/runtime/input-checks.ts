// The checks every input passes before anything is written, shared by `meterflow run` and
// `meterflow publish`: each readings file's format (its name, or --input-format) and its first
// record or line as a header (a start in another format refused), each pulse-events file's
// header. A file that would be refused midway is refused before a store, stream or directory is
// touched.
import { MeterflowError } from "../errors.js";
import { checkFileLooks, checkReadingsCsvHeader, checkReadingsNdjsonKeys, formatOfPath } from "../ingest/index.js";
import type { ReadingFormat } from "../ingest/index.js";
import { checkPulseEventsHeader } from "../ingest/events.js";
import { namingInput } from "../ingest/errors.js";

/** A file to check: its path and size (an empty file has no header to check). */
export interface CheckedInput {
  path: string;
  bytes: number;
}

/**
 * Checks the readings files (`formats[i]` the format of `readings[i]`) and the pulse-events files
 * against the plugins' `channels`; throws the first input's error, naming the file.
 * `formatOption`: the command's option that names a format (`--input-format`), if it has one.
 */
export function checkInputHeaders(readings: readonly CheckedInput[], formats: readonly ReadingFormat[], events: readonly CheckedInput[],
  channels: Parameters<typeof checkReadingsCsvHeader>[1], formatOption?: string): void {
  readings.forEach((input, f) => {
    if (input.bytes === 0) return;
    if (formats[f] === "csv") namingHeader(input.path, () => checkReadingsCsvHeader(input.path, channels));
    else namingHeader(input.path, () => checkFileLooks(input.path, formats[f], "readings file", formatOption));
    if (formats[f] === "ndjson") namingHeader(input.path, () => checkReadingsNdjsonKeys(input.path, channels));
  });
  for (const input of events) if (input.bytes > 0) namingHeader(input.path, () => checkPulseEventsHeader(input.path));
}

/** Runs an input's header check; its error names the input, as the run's decoding would. */
function namingHeader(path: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    throw namingInput(error, path);
  }
}

/** A reading file's format: `inputFormat` when given, else its extension's (MF_ERR_INPUT_FORMAT when it has none of them). */
export function formatOf(path: string, inputFormat: ReadingFormat | undefined, formatOption: string | undefined = "--input-format"): ReadingFormat {
  const format = inputFormat ?? formatOfPath(path);
  if (format === null) {
    throw new MeterflowError("MF_ERR_INPUT_FORMAT", `cannot tell the format of ${path}: name it .csv, .ndjson, .jsonl, .msgpack or .mpk`
      + (formatOption === undefined ? "" : `, or give ${formatOption} csv|ndjson|msgpack`));
  }
  return format;
}
