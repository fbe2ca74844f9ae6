// `meterflow meters import`: load a meter registry into the state database.
import { checkRegistryHeader } from "../../meters/index.js";
import { warnOnStderr } from "../../errors.js";
import { baselineWarning } from "../../registry/baselines.js";
import { checkRegistryFile, describeImport, importRegistry } from "../../registry/import.js";
import { loadPlugins, readPluginConfig } from "../../plugins/index.js";
import { checkStoreLocation } from "../../store/location.js";
import { openStore } from "../../store/open.js";
import { parseOptions, timeZoneArg } from "../args.js";
import { UsageError } from "../errors.js";
import { MAX_LISTED, rejectionEffect, rejectionLines } from "../meters-rejections.js";
import { count } from "../count.js";
import { METERS_REJECTED, writeRegistryRejectionsTo } from "../../sinks/meters-rejected.js";
import { checkOutputFile } from "../../sinks/out-dir.js";

export const METERS_HELP = `Usage: meterflow meters import --db FILE|URL [--config FILE] [--rejected FILE] [--time-zone ZONE] METERS

Imports (inserts or updates) the meter registry METERS (CSV with a header row, or NDJSON) into
the store: an SQLite state file, or PostgreSQL with --db postgres://HOST/DB[?schema=NAME]. Each
row's meter type (a plugin's) fills the columns it leaves empty. Rows that cannot be imported are
listed with their reasons (the first ${MAX_LISTED}) and all written to --rejected FILE (default
./${METERS_REJECTED}, written only when a row was rejected: line, meter_id, reason, raw; a FILE
that cannot be written there is refused before anything is imported); the others are imported.
A new last_reading/last_end for a meter whose chain has begun moves nothing (its next readings are
decided against its latest reading; a new device is a new meter_id): a warning on stderr names
them (MF_WARN_REGISTRY_BASELINE_IGNORED).
--config names the plugin configuration (default ./meterflow.config.json when it exists).
--time-zone ZONE is the time zone calendar days are counted in (last_end date-times are read in
it): UTC, an offset such as +01:00, or an IANA name such as Europe/Berlin, fixed when the store
is created (default: the store's own, UTC for a new store).`;

export async function meters(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError("meters needs a command: meterflow meters import --db DB FILE (see meterflow meters --help)");
  if (sub !== "import") throw new UsageError(`unknown meters command "${sub}" (see meterflow meters --help)`);
  const { values, positionals } = parseOptions({ args: rest, allowPositionals: true, options: { db: { type: "string" }, config: { type: "string" }, rejected: { type: "string" }, "time-zone": { type: "string" } } });
  if (values.db === undefined || values.db === "") throw new UsageError("meters import needs --db FILE|URL");
  checkStoreLocation(values.db);
  if (positionals.length !== 1) throw new UsageError("meters import needs exactly one registry file");
  const rejectedFile = values.rejected ?? METERS_REJECTED;
  // Checked before anything is imported: the import must not land with its rejections unwritable.
  checkOutputFile("--rejected", rejectedFile);
  const plugins = await loadPlugins(readPluginConfig(values.config));
  // The file and its header are checked before the store is opened: a mistyped name or a file
  // the import would refuse must not create an empty state.
  checkRegistryFile(positionals[0]);
  checkRegistryHeader(positionals[0]);
  const timeZone = timeZoneArg(values["time-zone"]);
  const store = await openStore(values.db, timeZone === undefined ? {} : { timeZone });
  try {
    // An explicit import always imports; its digest lets later runs skip an unchanged file.
    const imported = await importRegistry(store, positionals[0], plugins, true);
    const rejections = imported.rejections ?? [];
    console.log(`meters: ${describeImport(imported)}`);
    for (const line of rejectionLines(rejections)) console.log(line);
    if (rejections.length > 0) {
      writeRegistryRejectionsTo(rejectedFile, rejections);
      console.log(`  all ${count(rejections.length)} in ${rejectedFile}; ${rejectionEffect(rejections)}`);
    }
    if (imported.baselinesIgnored !== undefined) warnOnStderr(baselineWarning(imported.baselinesIgnored));
  } finally {
    await store.close();
  }
  return 0;
}
