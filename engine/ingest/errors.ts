// Errors of the ingest layer: an input that cannot be read at all (as opposed to a bad row,
// which becomes a rejected row and never an error).
import { MeterflowError } from "../errors.js";

/** Codes of IngestError. */
export type IngestErrorCode =
  | "MF_ERR_INPUT_OPEN"
  | "MF_ERR_INPUT_READ"
  | "MF_ERR_INPUT_FORMAT"
  | "MF_ERR_INPUT_HEADER";

/**
 * An input file that cannot be ingested: it cannot be opened (`MF_ERR_INPUT_OPEN`), reading it
 * failed part-way (`MF_ERR_INPUT_READ`), its format is unknown (`MF_ERR_INPUT_FORMAT`) or its
 * header lacks a required column (`MF_ERR_INPUT_HEADER`).
 */
export class IngestError extends MeterflowError {
  override name = "IngestError";
  declare readonly code: IngestErrorCode;

  constructor(code: IngestErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}

/** An input's decoding error says which file it is about (its code and class stay). */
export function namingInput(error: unknown, path: string): unknown {
  const e = error as Error & { code?: string };
  if (e instanceof Error && typeof e.code === "string" && e.code.startsWith("MF_ERR_INPUT") && !e.message.includes(path)) {
    e.message = `${path}: ${e.message}`;
  }
  return error;
}
