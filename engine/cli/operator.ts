// What the operator commands (`held`, `temp-bad`) share: who acts, and a store that must exist
// already (an operator acts on a state a run made; a mistyped path must not create an empty one).
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { checkStoreLocation } from "../store/location.js";
import { isPostgresUrl, missingStore } from "../store/open.js";
import { UsageError } from "./errors.js";

/** The actor recorded in the audit: --by, else the login name. */
export function actorOf(by: string | undefined): string {
  if (by !== undefined) {
    if (by.trim() === "") throw new UsageError("--by needs a name");
    return by.trim();
  }
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** The --db of an operator command: required, a store meterflow can open, and an SQLite file must exist. */
export function existingDb(command: string, db: string | undefined): string {
  if (db === undefined || db === "") throw new UsageError(`${command} needs --db FILE|URL (see meterflow ${command.split(" ")[0]} --help)`);
  checkStoreLocation(db);
  if (!isPostgresUrl(db) && !existsSync(db)) {
    throw missingStore(db);
  }
  return db;
}

/** The one required reason of an operator command. */
export function reasonOf(command: string, reason: string | undefined): string {
  if (reason === undefined || reason.trim() === "") throw new UsageError(`${command} needs --reason TEXT (it is audited)`);
  return reason;
}
