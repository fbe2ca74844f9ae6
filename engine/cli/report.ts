// How the `meterflow` command prints an error and which exit status it gives: a usage mistake
// is one line and status 2; an error with a code (the engine's MF_ERR_*, a plugin's) is printed
// whole, every problem line of it with the code on the first, long lists cut with a count, and
// status 1; a file operation the system refused is one line with its own code (MF_ERR_FILE) and
// status 1; anything else is a bug and keeps its stack. Paths a command is given are checked up
// front with messages of their own; MF_ERR_FILE is for what the system refuses after that.
import { MeterflowError } from "../errors.js";
import { PluginError } from "../../sdk/errors.js";
import { UsageError } from "./errors.js";

/** Problem lines of one error printed before the rest is counted. */
export const MAX_PROBLEM_LINES = 20;

/** The lines to print for `error` (without the stream) and the exit status. */
export function describeError(error: unknown): { lines: string[]; status: number } {
  if (error instanceof UsageError) return { lines: [`meterflow: ${firstLine(error.message)}`], status: 2 };
  if (error instanceof MeterflowError || isPluginError(error)) return { lines: codedLines(error.message, error.code), status: 1 };
  // The system refused a file operation (a path that is a file, no permission, a full disk):
  // the environment, not a bug; its message names the operation and the path.
  if (isSystemError(error)) return { lines: [`meterflow: ${systemMessage(error)} (${FILE_ERROR})`], status: 1 };
  return { lines: [error instanceof Error ? (error.stack ?? String(error)) : String(error)], status: 1 };
}

/** Prints `error` on standard error and returns the exit status. */
export function report(error: unknown): number {
  const { lines, status } = describeError(error);
  console.error(lines.join("\n"));
  return status;
}

/**
 * A PluginError of any copy of the SDK: a plugin imports `meterflow-engine/sdk` from dist/sdk,
 * while the bundled command line (dist/bin) carries its own copy, so `instanceof` alone misses it.
 */
function isPluginError(error: unknown): error is PluginError {
  return error instanceof PluginError || (error instanceof Error && error.name === "PluginError" && typeof (error as { code?: unknown }).code === "string");
}

/** The code of a file operation the system refused. */
export const FILE_ERROR = "MF_ERR_FILE";

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException;
  return e instanceof Error && typeof e.code === "string" && /^(E[A-Z]+|ERR_FS_[A-Z_]+)$/.test(e.code) && typeof e.syscall === "string";
}

/**
 * A refused file operation as one line: `cannot rename out/a.partial to out/a: illegal operation
 * on a directory`, from Node's `EISDIR: illegal operation on a directory, rename 'out/a.partial'
 * -> 'out/a'` (or a SystemError's `info`, as rmSync's ERR_FS_EISDIR carries it).
 */
function systemMessage(e: NodeJS.ErrnoException): string {
  const info = (e as { info?: { message?: unknown } }).info;
  const why = typeof info?.message === "string" ? info.message : /^E[A-Z]+: ([^,\n]+)/.exec(e.message)?.[1] ?? firstLine(e.message);
  if (typeof e.path !== "string") return `${e.syscall} failed: ${why}`;
  const dest = (e as { dest?: unknown }).dest;
  return `cannot ${e.syscall} ${e.path}${typeof dest === "string" ? ` to ${dest}` : ""}: ${why}`;
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}

function codedLines(message: string, code: string): string[] {
  const [first, ...rest] = message.split("\n");
  const problems = rest.filter((line) => line.trim() !== "").map((line) => (/^\s/.test(line) ? line : `  ${line}`));
  const shown = problems.length > MAX_PROBLEM_LINES ? problems.slice(0, MAX_PROBLEM_LINES - 1) : problems;
  const more = problems.length - shown.length;
  return [`meterflow: ${first} (${code})`, ...shown, ...(more > 0 ? [`  ... and ${more} more`] : [])];
}
