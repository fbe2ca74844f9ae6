// Errors of the WebAssembly kernel runtime.
import { MeterflowError } from "../errors.js";

/** The kernels module could not be read, compiled or instantiated. */
export class KernelLoadError extends MeterflowError {
  override name = "KernelLoadError";
  constructor(message: string, cause?: unknown) {
    super("MF_ERR_KERNEL_LOAD", message, { cause });
  }
}

/** WebAssembly memory could not grow to hold the requested columns. */
export class KernelMemoryError extends MeterflowError {
  override name = "KernelMemoryError";
  constructor(message: string, cause?: unknown) {
    super("MF_ERR_KERNEL_MEMORY", message, { cause });
  }
}

/** What each kernel status means (assembly/util/flags.ts). */
const STATUS_MESSAGES: Readonly<Record<number, string>> = {
  1: "negative length",
  2: "a column lies outside memory",
  3: "events are not sorted by interval, then time (an interval id decreases or is not below the interval count, " +
    "a time decreases within an interval, or a time is NaN or infinite)",
};

/** A kernel refused its arguments (a status other than OK). */
export class KernelCallError extends MeterflowError {
  override name = "KernelCallError";
  constructor(kernel: string, status: number) {
    const why = STATUS_MESSAGES[status] ?? `status ${status}`;
    super("MF_ERR_KERNEL_CALL", `kernel "${kernel}" refused its arguments: ${why}`);
  }
}
