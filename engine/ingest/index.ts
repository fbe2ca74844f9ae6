// Ingest: files (CSV, NDJSON, msgpack) decoded into columnar ReadingBatch, meter ids interned to
// dense indices, every bad row kept as a rejected row with its reason and raw text.
export { NO_DAY } from "./batch.js";
export { batchId } from "./batch-id.js";
export { checkReadingsCsvHeader, checkReadingsNdjsonKeys, readCsvReadings } from "./csv.js";
export { dayOfValue, parseDayBytes, parseDayString } from "./dates.js";
export { IngestError } from "./errors.js";
export { firstCsvRecord, firstNdjsonKeys } from "./first-record.js";
export { headerHint, isMisspelt, jsonHint, misspeltColumns } from "./header-hint.js";
export { KeyResolver } from "./keys.js";
export { checkFileLooks, lookOfHead } from "./looks.js";
export { registerLimit, rejectByRegistry } from "./limits.js";
export { PULSE_FIELD_NAMES, PULSE_FIELDS, PULSE_INPUTS } from "./pulse-fields.js";
export { LineReader } from "./lines.js";
export { createMeterIndex } from "./meter-index.js";
export { readNdjsonReadings } from "./ndjson.js";
export { canDecodeInWorker, DecodingWorker, readReadingsInWorker, THREADS_FROM_BYTES } from "./threaded.js";
export { numberOfValue, parseNumberBytes, parseNumberString } from "./numbers.js";
export { formatOfPath, openFile, readChunks, readFileChunks, readInputs, readReadings } from "./open.js";
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_FIELD_BYTES,
  DEFAULT_MAX_MSGPACK_VALUE_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
} from "./options.js";
export { REJECT, rejectReasonName, SOURCE, VERIFICATION } from "./reasons.js";
export { CsvRecord } from "./record.js";
export { CsvTokenizer } from "./tokenizer.js";
export type { ReadingBatch } from "./batch.js";
export type { IngestErrorCode } from "./errors.js";
export type { FileFormat, FileLook } from "./looks.js";
export type { MeterIndex } from "./meter-index.js";
export type { ReadingFormat, ReadReadingsFileOptions } from "./open.js";
export type { ReadReadingsOptions } from "./options.js";
export type { PulseField, PulseInput, PulseReadingColumns } from "./pulse-fields.js";
export type { RegistryLimits } from "./limits.js";
export type { WorkerInput } from "./threaded.js";
export type { RejectReason } from "./reasons.js";
export type { CsvTokenizerOptions } from "./tokenizer.js";
