// What a file's first bytes show it to be, to refuse a file in one format named (or said to be)
// another before anything is read or written (README "`meterflow run`": every input's header is
// checked first). Read as it is named, such a file is all rejected rows: NDJSON read as msgpack is
// one `malformed_record` per byte, CSV read as NDJSON one per line, its header counted as a reading.
// Only a start that plainly shows another format is refused: an NDJSON file whose first record
// begins as an object (broken or not) and a msgpack file beginning with a binary byte (a map is
// 0x80-0x8f, 0xde or 0xdf, an array 0x90-0x9f, 0xdc or 0xdd, a msgpackr record definition an
// extension byte) are read, their bad records rejected one by one.
import { IngestError } from "./errors.js";
import { firstBytes } from "./first-record.js";

/** The formats a file is read as. */
export type FileFormat = "csv" | "ndjson" | "msgpack";

/** What a file's start shows. */
export type FileLook =
  | { kind: "empty" }
  | { kind: "object" }
  /** A line holding `{` alone: a JSON object written over several lines (`jq .`'s output), not NDJSON. */
  | { kind: "pretty" }
  | { kind: "array"; line: string }
  | { kind: "text"; line: string }
  | { kind: "binary" };

/** Bytes read from the start of a file: enough for a header line or a record's beginning. */
const HEAD_BYTES = 4096;

/**
 * What the first bytes of a file show: nothing but blanks (`empty`), a JSON object (`{` first)
 * or array (`[`), other text (its first line), or bytes that are no text (`binary`, msgpack's).
 * A UTF-8 byte order mark and blank lines before the first line are read past.
 * @example
 *   lookOfHead(Buffer.from("meter_id,end,value\n")); // { kind: "text", line: "meter_id,end,value" }
 */
export function lookOfHead(head: Uint8Array): FileLook {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && isBlank(head[i])) i++;
  if (i === head.length) return { kind: "empty" };
  // An object's first line is an NDJSON record, whatever its strings hold (an id that is no UTF-8,
  // a raw control byte: that row's rejection).
  if (head[i] === 0x7b) {
    let j = i + 1;
    while (j < head.length && (head[j] === 32 || head[j] === 9 || head[j] === 13)) j++;
    return j < head.length && head[j] === 10 ? { kind: "pretty" } : { kind: "object" };
  }
  let end = i;
  while (end < head.length && head[end] !== 10) {
    // A control byte is no text (a tab and a carriage return are).
    if ((head[end] < 32 && head[end] !== 9 && head[end] !== 13) || head[end] === 127) return { kind: "binary" };
    end++;
  }
  const line = Buffer.from(head.buffer, head.byteOffset + i, end - i).toString("utf8").trimEnd();
  if (head[i] === 0x5b) return { kind: "array", line };
  try {
    // Not UTF-8 is no text: msgpack's map, array and extension bytes are never a character's first.
    new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(i, end), { stream: true });
  } catch {
    return { kind: "binary" };
  }
  return { kind: "text", line };
}

/**
 * Refuses the file `path` read as `format` when its start plainly shows another format: IngestError
 * `MF_ERR_INPUT_HEADER` saying of `subject` (the file, as the message names it) what it looks like
 * and what to do: name the file for its format, or give `formatOption` (the option that names a
 * format, where there is one). An empty file passes: it is a file without rows.
 * @example
 *   checkFileLooks("wrong.msgpack", "msgpack", "readings file", "--input-format");
 *   // IngestError: readings file is read as msgpack, but it looks like NDJSON (...): name the file .ndjson or .jsonl, or give --input-format ndjson
 */
export function checkFileLooks(path: string, format: FileFormat, subject: string, formatOption?: string): void {
  const refusal = refusalOf(lookOfHead(firstBytes(path, HEAD_BYTES)), format);
  if (refusal === null) return;
  const [seems, other] = refusal;
  const todo = other === "array"
    ? ": meterflow reads NDJSON, one JSON object per line; write each object on a line of its own (jq -c does), in a file named .ndjson or .jsonl"
    : other === null
      ? `; ${FORMAT_TEXT[format]} ${IS[format]}`
      : `: name the file ${NAMES[other]}${formatOption === undefined ? "" : `, or give ${formatOption} ${other}`}`;
  throw new IngestError("MF_ERR_INPUT_HEADER", `${subject} is read as ${FORMAT_TEXT[format]}, but ${seems}${todo}`);
}

const FORMAT_TEXT: Readonly<Record<FileFormat, string>> = { csv: "CSV", ndjson: "NDJSON", msgpack: "msgpack" };
const NAMES: Readonly<Record<FileFormat, string>> = { csv: ".csv", ndjson: ".ndjson or .jsonl", msgpack: ".msgpack or .mpk" };
const IS: Readonly<Record<FileFormat, string>> = {
  csv: "is a header line, then one row per line",
  ndjson: "is one JSON object per line",
  msgpack: "is binary, a sequence of maps",
};

/**
 * What `look` seems to be, and the format it is in ("array": a JSON array, which meterflow does not
 * read; null: no format at all), or null when it may be `format`.
 */
function refusalOf(look: FileLook, format: FileFormat): [string, FileFormat | "array" | null] | null {
  const quoted = (line: string) => JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line);
  if (format === "csv" || look.kind === "empty") return null;
  if (look.kind === "array") return [`it begins with a JSON array (${quoted(look.line)}), and a JSON array is not NDJSON`, "array"];
  if (look.kind === "pretty") return ['its first line is "{" alone: a JSON object written over several lines (pretty-printed), and NDJSON is one object per line', "array"];
  if (format === "msgpack") {
    if (look.kind === "object") return ['it looks like NDJSON (it begins with "{", a JSON object)', "ndjson"];
    if (look.kind === "text") return [`it looks like ${looksCsv(look.line) ? "CSV" : "text"} (its first line is ${quoted(look.line)})`, looksCsv(look.line) ? "csv" : null];
    return null;
  }
  if (look.kind === "text") {
    return looksCsv(look.line)
      ? [`it looks like CSV (its first line is ${quoted(look.line)}, not a JSON object)`, "csv"]
      : [`its first line is not a JSON object (${quoted(look.line)})`, null];
  }
  if (look.kind === "binary") return ["it looks like binary data, msgpack perhaps (its first line is no text)", "msgpack"];
  return null;
}

/** A line that reads as a CSV header or row: fields separated by a comma (or ';', a tab). */
function looksCsv(line: string): boolean {
  return /[,;\t]/.test(line) && !line.trimStart().startsWith('"{');
}

function isBlank(byte: number): boolean {
  return byte === 32 || byte === 9 || byte === 10 || byte === 13;
}
