// What a `--db` names, checked before anything is opened: a PostgreSQL URL, or the path of an
// SQLite file. A URL of another scheme, or a PostgreSQL URL with a query parameter meterflow does
// not use, is refused (MF_ERR_STORE_URL): `?schem=x` taken as written would put a whole run into
// the `public` schema, and `mysql://x` would become an SQLite file of that name.
import { existsSync } from "node:fs";
import { nearest } from "../rules/load/validate-condition.js";
import { StoreError } from "./errors.js";

/**
 * The query parameters a PostgreSQL `--db` may carry: meterflow's `schema`, and those of the pg
 * client's connection string that meterflow leaves to it (TLS, and `host` for a Unix socket's
 * directory). Any other would be ignored, or would override what meterflow sets itself
 * (`options` its search_path, `application_name`).
 */
export const POSTGRES_URL_PARAMETERS: ReadonlySet<string> = new Set(["schema", "host", "ssl", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslnegotiation"]);

/** Whether `db` names a PostgreSQL database rather than an SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * Checks what `db` names: an SQLite path is taken as it is (but a new file named `postgres`,
 * `postgresql` or `postgres:...`, which meant a URL); a URL must be `postgres://` or
 * `postgresql://`, with no query parameter but POSTGRES_URL_PARAMETERS, each at most once.
 * Throws StoreError MF_ERR_STORE_URL naming the parameter (and the known one it is nearest to).
 * @example checkStoreLocation("postgres://127.0.0.1:5432/test?schem=x"); // throws: unknown parameter schem (did you mean schema?)
 */
export function checkStoreLocation(db: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(db)?.[1];
  if (scheme === undefined) {
    // `--db postgres` (or `postgres:/h/db`) meant PostgreSQL: as a path it made a new, empty
    // SQLite file of that name. A file that is there already is taken, as `./postgres` always is.
    if (/^postgres(ql)?(:|$)/i.test(db) && !existsSync(db)) {
      throw new StoreError("MF_ERR_STORE_URL", `cannot use ${JSON.stringify(db)}: a PostgreSQL store is a URL, postgres://HOST:PORT/DB[?schema=NAME] `
        + `(as a path it would be a new SQLite file of that name: to mean one, write ./${db})`);
    }
    return;
  }
  if (!isPostgresUrl(db)) {
    throw new StoreError("MF_ERR_STORE_URL", `cannot use ${redacted(db)}: a store is an SQLite file (a path) or a PostgreSQL URL `
      + `(postgres://HOST:PORT/DB), not ${scheme}://`);
  }
  let url: URL;
  try {
    url = new URL(db);
  } catch {
    throw new StoreError("MF_ERR_STORE_URL", `cannot use ${redacted(db)}: not a valid URL (postgres://HOST:PORT/DB[?schema=NAME])`);
  }
  const seen = new Set<string>();
  for (const name of url.searchParams.keys()) {
    if (!POSTGRES_URL_PARAMETERS.has(name)) {
      // Parameter names are lower case: ?SCHEMA= is schema in other capitals.
      const near = POSTGRES_URL_PARAMETERS.has(name.toLowerCase()) ? name.toLowerCase() : nearest(name, POSTGRES_URL_PARAMETERS);
      throw new StoreError("MF_ERR_STORE_URL", `unknown parameter ${JSON.stringify(name)} in ${redacted(db)}`
        + `${near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`}: a PostgreSQL URL takes ${[...POSTGRES_URL_PARAMETERS].join(", ")}`);
    }
    if (seen.has(name)) throw new StoreError("MF_ERR_STORE_URL", `parameter ${JSON.stringify(name)} given twice in ${redacted(db)}`);
    seen.add(name);
  }
}

/** `db` without a password, for messages. */
function redacted(db: string): string {
  try {
    const url = new URL(db);
    url.password = "";
    return url.toString();
  } catch {
    return db.replace(/^([^/]*\/\/[^:@/]*):[^@/]*@/, "$1:@");
  }
}
