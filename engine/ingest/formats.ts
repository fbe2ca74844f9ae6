// Readings file formats by extension: a module of its own, light enough for the command line to
// load before the rest of the program (engine/cli/early-decoder.ts).
import { extname } from "node:path";

/** Input formats of readings files. */
export type ReadingFormat = "csv" | "ndjson" | "msgpack";

const BY_EXTENSION: Readonly<Record<string, ReadingFormat>> = {
  ".csv": "csv",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".msgpack": "msgpack",
  ".mpk": "msgpack",
};

/** The format a path's extension names (case-insensitive), or null. */
export function formatOfPath(path: string): ReadingFormat | null {
  return BY_EXTENSION[extname(path).toLowerCase()] ?? null;
}
