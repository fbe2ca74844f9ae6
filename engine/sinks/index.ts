// Outputs of a run: the Sinks interface, file outputs and value formatting.
export { CsvRowEncoder } from "./csv-bytes.js";
export { createFileSinks } from "./files.js";
export { csv, day, flagText, num, readingId } from "./format.js";
export { LineBuffer } from "./line-buffer.js";
export type { OutputFormat } from "./files.js";
export type { OutputRow, RejectedRow, Sinks } from "./types.js";
