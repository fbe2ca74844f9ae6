// A record's keys (NDJSON objects, msgpack maps) checked as a CSV header's names are: a key that is
// a known column in another spelling (`"Override"`, `" value"`) would be an extra key, ignored, and
// the reading billed without its override. A CSV header or an NDJSON file's first record with one
// is refused before anything is read (header-hint.ts); a later record with one is rejected
// `misspelt_column`, since the run cannot stop midway.
import { readingColumns } from "./csv.js";
import { isMisspelt } from "./header-hint.js";

const known = new WeakMap<ReadonlyMap<string, number>, ReadonlySet<string>>();

/** Whether `record` has a key that is a readings column (with these channels) in another spelling. */
export function hasMisspeltKey(record: object, channels: ReadonlyMap<string, number>): boolean {
  let names = known.get(channels);
  if (names === undefined) known.set(channels, (names = new Set(readingColumns(channels))));
  for (const key in record) if (isMisspelt(key, names)) return true;
  return false;
}
