// What to tell someone whose CSV header lacks a required column, when the column is there in
// another spelling: the file is separated by another character (spreadsheet exports in much of
// Europe use ';', the decimal comma taking ','; some systems a tab), or a name has spaces around
// it (`meter_id, end, value`) or capitals (`Meter_ID`), or the file is NDJSON or JSON named
// .csv. meterflow reads names as written and fields separated by commas; the message says what
// it found.

const SEPARATORS: ReadonlyArray<readonly [string, string]> = [[";", "';'"], ["\t", "tabs"], ["|", "'|'"]];

/** " (...)" saying how the header's `fields` hold a `wanted` name in another spelling; "" when none does. */
export function headerHint(fields: readonly string[], wanted: readonly string[]): string {
  const json = jsonHint(fields[0] ?? "");
  if (json !== "") return json;
  // Lines ended by CR alone (classic Mac OS): the whole file reads as one record.
  if (fields.some((f) => f.includes("\r"))) {
    return " (its lines end in a carriage return alone (CR): meterflow reads LF or CRLF line ends; convert the file, e.g. with `tr '\\r' '\\n'`)";
  }
  for (const [separator, name] of SEPARATORS) {
    if (fields.some((f) => f.includes(separator) && f.split(separator).some((part) => wanted.includes(part.trim())))) {
      return ` (the header looks separated by ${name}: meterflow reads comma-separated files; save or convert the file with ',' between fields)`;
    }
  }
  const quoted = (names: string[]) => names.map((f) => JSON.stringify(f)).join(", ");
  const spaced = fields.filter((f) => f !== f.trim() && wanted.includes(f.trim()));
  if (spaced.length > 0) return ` (the header has ${quoted(spaced)}: write column names without spaces around them)`;
  const cased = fields.filter((f) => !wanted.includes(f) && wanted.includes(f.trim().toLowerCase()));
  if (cased.length > 0) return ` (the header has ${quoted(cased)}: column names are lower case, as ${quoted(cased.map((f) => f.trim().toLowerCase()))})`;
  return "";
}

/**
 * " (...)" saying a CSV file whose header record begins `first` is NDJSON or a JSON array named
 * .csv (its first line split at commas, or malformed by their quotes); "" when it is not.
 */
export function jsonHint(first: string): string {
  const start = first.trimStart();
  if (start.startsWith("{")) return " (the file looks like NDJSON, one JSON object per line: name it .ndjson or .jsonl)";
  if (start.startsWith("[")) return " (the file looks like a JSON array: meterflow reads CSV, or NDJSON with one JSON object per line, named .ndjson or .jsonl)";
  // Bytes that are no text (msgpack's map and string bytes decode to U+FFFD and control characters).
  if (/[\u0000-\u0008\u000e-\u001f\ufffd]/u.test(first)) return " (the file looks like binary data, msgpack perhaps: name it .msgpack or .mpk)";
  return "";
}

/**
 * The header's names that are a known column in another spelling (spaces around it, capitals),
 * with what they should say; "" when none is. Read as written they would be extra columns,
 * silently ignored (a registry's `Scaling_Factor` or `Digits`: the meter billed at factor 1).
 */
export function misspeltColumns(fields: readonly string[], known: readonly string[], where = "the header"): string {
  const names = new Set(known);
  const misspelt = fields.filter((f) => isMisspelt(f, names));
  if (misspelt.length === 0) return "";
  const quoted = (names: string[]) => names.map((f) => JSON.stringify(f)).join(", ");
  return `${where} has ${quoted(misspelt)}: column names are read as written, lower case without spaces around them, as ${quoted(misspelt.map((f) => f.trim().toLowerCase()))}`;
}

/** Whether `name` is one of `known` in another spelling (spaces around it, capitals) and not itself one. */
export function isMisspelt(name: string, known: ReadonlySet<string>): boolean {
  return !known.has(name) && known.has(name.trim().toLowerCase());
}
