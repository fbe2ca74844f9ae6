// Errors of the operator operations (held readings, temp_bad flags, manual readings): each with
// a stable code, said so that the operator knows what to do next.
import { MeterflowError } from "../errors.js";

export type OperationErrorCode =
  /** The meter is not in the registry. */
  | "MF_ERR_UNKNOWN_METER"
  /** No unresolved held reading has this id (never held, or released already). */
  | "MF_ERR_HELD_NOT_FOUND"
  /** Several held readings share the id (values differ): name the value. */
  | "MF_ERR_HELD_AMBIGUOUS"
  /** The held reading cannot be billed even when released (its reasons say why). */
  | "MF_ERR_RELEASE_REFUSED"
  /** The meter has no temp_bad flag to clear. */
  | "MF_ERR_FLAG_NOT_SET"
  /** A reason is required and was empty. */
  | "MF_ERR_REASON_REQUIRED"
  /** Other writers kept committing to the meter's partition while the operation was decided. */
  | "MF_ERR_OPERATION_CONTENDED";

export class OperationError extends MeterflowError {
  override name = "OperationError";
  declare readonly code: OperationErrorCode;
  constructor(code: OperationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A meter not in the registry (MF_ERR_UNKNOWN_METER), as every operation and API route says it. */
export function unknownMeter(meterId: string): OperationError {
  return new OperationError("MF_ERR_UNKNOWN_METER", `meter ${meterId} is not in the registry (meterflow meters import)`);
}
