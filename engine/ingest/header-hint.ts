// What to tell someone whose CSV header lacks a required column because the file is not
// comma-separated: spreadsheet exports in much of Europe use ';' (the decimal comma taking ','),
// some systems a tab. meterflow reads comma-separated files only; the message says so.

const SEPARATORS: ReadonlyArray<readonly [string, string]> = [[";", "';'"], ["\t", "tabs"], ["|", "'|'"]];

/**
 * " (...)" naming the separator a header of these fields seems to use instead of ',', when one
 * field holds a wanted column's name beside others joined by it; "" otherwise.
 */
export function separatorHint(fields: readonly string[], wanted: readonly string[]): string {
  for (const [separator, name] of SEPARATORS) {
    const joined = fields.find((f) => f.includes(separator) && f.split(separator).some((part) => wanted.includes(part.trim())));
    if (joined !== undefined) return ` (the header looks separated by ${name}: meterflow reads comma-separated files; save or convert the file with ',' between fields)`;
  }
  return "";
}
