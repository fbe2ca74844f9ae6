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

/** A kernel refused its arguments (a status other than OK). */
export class KernelCallError extends MeterflowError {
  override name = "KernelCallError";
  constructor(kernel: string, status: number) {
    const why = status === 1 ? "negative length" : status === 2 ? "a column lies outside memory" : `status ${status}`;
    super("MF_ERR_KERNEL_CALL", `kernel "${kernel}" refused its arguments: ${why}`);
  }
}
