// Errors a user can cause on the command line: printed as one line, exit status 2.
import { MeterflowError } from "../errors.js";

/** A bad command, option or argument. */
export class UsageError extends MeterflowError {
  override name = "UsageError";
  constructor(message: string) {
    super("MF_ERR_USAGE", message);
  }
}
