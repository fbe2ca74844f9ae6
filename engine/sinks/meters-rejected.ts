// meters-rejected.csv: the registry rows an import could not import (`meterflow run --meters`,
// `meterflow meters import`), with the line, meter id, reason and raw text.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { RegistryRejection } from "../meters/index.js";
import { csv } from "./format.js";

/** The file's name in the output directory. */
export const METERS_REJECTED = "meters-rejected.csv";

/** Writes meters-rejected.csv into `dir` (header only when nothing was rejected). */
export function writeRegistryRejections(dir: string, rejections: readonly RegistryRejection[]): void {
  writeRegistryRejectionsTo(join(dir, METERS_REJECTED), rejections);
}

/** Writes the rejected rows to `path` as meters-rejected.csv (written whole, then renamed into place). */
export function writeRegistryRejectionsTo(path: string, rejections: readonly RegistryRejection[]): void {
  const partial = `${path}.partial`;
  try {
    write(partial, rejections);
    renameSync(partial, path);
  } catch (error) {
    // The partial file goes (if it was made); the error says what failed.
    try {
      rmSync(partial, { force: true });
    } catch {
      // not ours to remove (a directory of that name): the error above is the one to tell
    }
    throw error;
  }
}

function write(partial: string, rejections: readonly RegistryRejection[]): void {
  const fd = openSync(partial, "w");
  try {
    let text = "line,meter_id,reason,raw\n";
    for (const r of rejections) {
      text += `${r.line},${csv(r.meterId)},${csv(r.reason)},${csv(r.raw)}\n`;
      if (text.length >= 1 << 20) {
        writeSync(fd, text);
        text = "";
      }
    }
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
