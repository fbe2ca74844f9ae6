// Errors of the state store.
import { MeterflowError } from "../errors.js";

/** The store could not be opened, migrated or written. */
export class StoreError extends MeterflowError {
  override name = "StoreError";
  constructor(code: "MF_ERR_STORE_OPEN" | "MF_ERR_STORE_SCHEMA" | "MF_ERR_STORE_WRITE", message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}
