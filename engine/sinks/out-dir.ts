// The output directory of a run: created one level at a time and proved writable before a run
// touches anything else. Node's own `mkdir(..., { recursive: true })` loops forever on a path it
// can never create (`/proc/nope` answers ENOENT however often it is asked), so it is not used.
import { closeSync, mkdirSync, openSync, realpathSync, rmdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { MeterflowError } from "../errors.js";

/** The output directory cannot be created or written. */
export class OutputDirError extends MeterflowError {
  override name = "OutputDirError";
  constructor(dir: string, reason: string, cause?: unknown) {
    super("MF_ERR_OUTPUT_DIR", `cannot write to ${dir}: ${reason}`, { cause });
  }
}

/** A prepared output directory: the directories it created (deepest last), to remove on failure. */
export interface OutDir {
  readonly path: string;
  readonly created: readonly string[];
}

/**
 * Creates `dir` (and missing parents) and writes and removes a probe file in it; `names`, the
 * files that will be written (each as NAME.partial, then renamed) or removed there, must not be
 * directories, nor any of `inputs`, the files the run reads (a readings file named billing.csv
 * in --out would be overwritten, one named billing.ndjson removed by a CSV run).
 * Throws OutputDirError (`MF_ERR_OUTPUT_DIR`) with the reason, leaving nothing it created behind.
 */
export function prepareOutDir(dir: string, names: readonly string[] = [], inputs: readonly string[] = []): OutDir {
  const created: string[] = [];
  try {
    makeDir(resolve(dir), created);
    const probe = join(dir, `.meterflow-probe-${process.pid}`);
    closeSync(openSync(probe, "wx"));
    rmSync(probe, { force: true });
    // A directory where an output goes would fail the run at its end, after its commits.
    const all = names.flatMap((n) => [n, `${n}.partial`]);
    for (const name of all) {
      if (isDirectory(join(dir, name))) throw new InTheWay(`${name} is a directory`);
    }
    const real = realpathSync(dir);
    const outputs = new Set(all.map((name) => join(real, name)));
    for (const input of inputs) {
      const path = realPath(input);
      if (path !== undefined && outputs.has(path)) {
        throw new InTheWay(`${input} is an input of this run, and the run's outputs there would replace or remove ${basename(path)}: give another --out, or move the file`);
      }
    }
  } catch (error) {
    removeCreated({ path: dir, created });
    throw new OutputDirError(dir, reasonOf(error), error);
  }
  return { path: dir, created };
}

/** An output file that cannot be written where it was named. */
export class OutputFileError extends MeterflowError {
  override name = "OutputFileError";
  constructor(message: string, cause?: unknown) {
    super("MF_ERR_OUTPUT_FILE", message, { cause });
  }
}

/**
 * Checks that the file `path` (named by the option `option`, written as PATH.partial and then
 * renamed) can be written: its directory exists, and neither it nor PATH.partial is a directory.
 * Throws OutputFileError (`MF_ERR_OUTPUT_FILE`) saying why; writes nothing.
 */
export function checkOutputFile(option: string, path: string): void {
  const why = path === "" ? "no file named"
    : !isDirectory(dirname(resolve(path))) ? "no such directory"
    : isDirectory(path) ? "a directory, not a file"
    : isDirectory(`${path}.partial`) ? `${basename(path)}.partial, where it is written first, is a directory`
    : undefined;
  if (why !== undefined) throw new OutputFileError(`${option} ${path}: ${why}`);
}

/** The real path of an existing file (symbolic links followed), else undefined. */
function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Removes the directories `prepareOutDir` created, when they are still empty. */
export function removeCreated(out: OutDir): void {
  for (const d of [...out.created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * Removes the NAME.partial files of `names` in `dir`: what a run that died without its own clean-up
 * (its thread ended) left half written. The finished files are not touched.
 */
export function removePartials(dir: string, names: readonly string[]): void {
  for (const name of names) rmSync(join(dir, `${name}.partial`), { force: true });
}

/** mkdir of each missing level, each tried once: a level that still cannot be made is an error. */
function makeDir(dir: string, created: string[]): void {
  try {
    mkdirSync(dir);
    created.push(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error("a file is in the way (not a directory)"), { code: "ENOTDIR" });
      return;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    makeDir(parent, created);
  }
  // The parent exists now; a second ENOENT means this path cannot be made (a /proc-like directory).
  mkdirSync(dir);
  created.push(dir);
}

/** What stands where an output file goes (the reason is the message). */
class InTheWay extends Error {}

function reasonOf(error: unknown): string {
  if (error instanceof InTheWay) return error.message;
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case "ENOENT": return "no such directory can be created there";
    case "ENOTDIR": return "a file is in the way (not a directory)";
    case "EACCES": case "EPERM": return "permission denied";
    case "EROFS": return "read-only file system";
    case "ENOSPC": return "no space left on device";
    default: return e.message;
  }
}
