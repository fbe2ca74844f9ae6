// Errors of the state store.
import { MeterflowError } from "../errors.js";

/**
 * The store could not be opened, migrated, read or written; a commit's partition moved on since
 * its batch was decided (FENCED); a store reopened with another partition count (PARTITIONS); a
 * conditional flag change on a meter whose version moved on (VERSION); a `--db` that names no
 * store meterflow can open (URL: another scheme, an unknown query parameter).
 */
export type StoreErrorCode = "MF_ERR_STORE_FENCED" | "MF_ERR_STORE_OPEN" | "MF_ERR_STORE_PARTITIONS" | "MF_ERR_STORE_READ" | "MF_ERR_STORE_MISSING" | "MF_ERR_STORE_TIME_ZONE"
  | "MF_ERR_STORE_SCHEMA" | "MF_ERR_STORE_URL" | "MF_ERR_STORE_VERSION" | "MF_ERR_STORE_WRITE";

/** An error of a store, with a stable `code` (StoreErrorCode). */
export class StoreError extends MeterflowError {
  override name = "StoreError";
  constructor(code: StoreErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}
