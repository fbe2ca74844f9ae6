// `meterflow meters import`: load a meter registry into the state database.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readMeters } from "../../meters/index.js";
import { openSqliteStore } from "../../store/index.js";
import { UsageError } from "../errors.js";

export const METERS_HELP = `Usage: meterflow meters import --db FILE METERS

Imports (inserts or updates) the meter registry METERS (CSV with a header row, or NDJSON) into
the SQLite state file. Rows that cannot be imported are listed with their reasons; the others
are imported.`;

export async function meters(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "import") throw new UsageError(`unknown meters command "${sub ?? ""}" (see meterflow meters --help)`);
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { db: { type: "string" } } });
  if (values.db === undefined) throw new UsageError("meters import needs --db FILE");
  if (positionals.length !== 1) throw new UsageError("meters import needs exactly one registry file");
  const registry = await readMeters(positionals[0]);
  const store = openSqliteStore(values.db);
  try {
    const { inserted, updated } = store.upsertMeters(registry.meters);
    // An explicit import always imports; the digest lets later runs skip an unchanged file.
    store.setMeta("registry_sha256", createHash("sha256").update(readFileSync(positionals[0])).digest("hex"));
    console.log(`meters: ${inserted} inserted, ${updated} updated, ${registry.rejected.length} rejected`);
    for (const r of registry.rejected) console.log(`  line ${r.line}: ${r.meterId || "(no id)"}: ${r.reason}`);
  } finally {
    store.close();
  }
  return 0;
}
