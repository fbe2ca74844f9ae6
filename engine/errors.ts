// The root of every meterflow error: a stable `code` that tests and callers match on.

/** Options accepted by every meterflow error. */
export interface MeterflowErrorOptions {
  cause?: unknown;
}

/** Base class of all meterflow errors. `code` is stable (`MF_ERR_…`); the message is for people. */
export class MeterflowError extends Error {
  override name = "MeterflowError";
  readonly code: string;

  constructor(code: string, message: string, options: MeterflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** An option passed to a meterflow API is invalid; the message names the option. */
export class InvalidOptionError extends MeterflowError {
  override name = "InvalidOptionError";

  constructor(option: string, expected: string, received: unknown) {
    super("MF_ERR_INVALID_OPTION", `option "${option}" must be ${expected}, got ${describe(received)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return typeof value;
}

/**
 * Why a file could not be read, said as a run says it for its inputs: `no such file`, `not a
 * file`, `permission denied`, else the system's message.
 */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "no such file" : code === "ENOTDIR" ? "no such file (a file is in its path)"
    : code === "EISDIR" ? "not a file" : code === "EACCES" ? "permission denied" : (error as Error).message;
}

/** Prints a warning loudly on stderr, as every command does (`meterflow: warning: ...`). */
export function warnOnStderr(message: string): void {
  process.stderr.write(`meterflow: warning: ${message}\n`);
}
