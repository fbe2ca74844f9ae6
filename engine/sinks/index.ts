// Outputs of a run: row formatting (CSV, NDJSON), encoded lines, and the output files.
export { CsvRowEncoder } from "./csv-bytes.js";
export { createOutputFiles, HEADERS, otherFormatNames, outputNames } from "./files.js";
export { createFormatter, csvRow } from "./formatter.js";
export { csv, day, flagText, num, readingId } from "./format.js";
export { LineBuffer } from "./line-buffer.js";
export { METERS_REJECTED, writeRegistryRejections, writeRegistryRejectionsTo } from "./meters-rejected.js";
export { checkOutputFile, OutputDirError, OutputFileError, prepareOutDir, removeCreated, removePartials } from "./out-dir.js";
export type { Kind, OutputFiles, OutputFormat } from "./files.js";
export type { AlertLine, RowFormatter } from "./formatter.js";
export type { OutDir } from "./out-dir.js";
export type { OutputRow, RejectedRow } from "./types.js";
