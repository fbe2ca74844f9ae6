// `meterflow temp-bad set|clear|list`: operators' temp_bad flags over the store (audited).
import { parseOptions } from "../args.js";
import { clearTempBad, listTempBad, setTempBad } from "../../operations/index.js";
import { openStore } from "../../store/open.js";
import { UsageError } from "../errors.js";
import { actorOf, existingDb, reasonOf } from "../operator.js";
import { formatTable } from "../table.js";

export const TEMP_BAD_HELP = `Usage: meterflow temp-bad set METER_ID --reason TEXT [--note TEXT] [--by NAME] --db FILE|URL
       meterflow temp-bad clear METER_ID --reason TEXT [--by NAME] --db FILE|URL
       meterflow temp-bad list [--meter METER_ID] [--json] --db FILE|URL

temp_bad ("temporary incorrectness") holds a meter's readings from billing until it is cleared:
every reading of a flagged meter decided afterwards, by any run or worker, is held as temp_bad.
A flag is set by an operator here (or by the rules: pulse faults, zero under verification) and
cleared here or by a manual reading with a photo. Every set and clear is audited with who (--by,
default your login name), when and why; the flag lives in the store, so a run that is going
when it changes does not undo it.

Options:
  --reason TEXT   why (required for set and clear; audited)
  --note TEXT     free text kept with the flag (set)
  --by NAME       who acts (default: your login name)
  --meter ID      list only this meter's flag
  --json          list as NDJSON (one flag per line)
  --db FILE|URL   the store (an SQLite file a run made, or postgres://...)        [required]`;

export async function tempBad(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseOptions({
    args: rest, allowPositionals: true,
    options: { reason: { type: "string" }, note: { type: "string" }, by: { type: "string" }, meter: { type: "string" }, json: { type: "boolean", default: false }, db: { type: "string" } },
  });
  if (sub !== "set" && sub !== "clear" && sub !== "list") throw new UsageError(`unknown temp-bad command "${sub ?? ""}" (set, clear or list; see meterflow temp-bad --help)`);
  const command = `temp-bad ${sub}`;
  if (sub === "list" ? positionals.length !== 0 : positionals.length !== 1) {
    throw new UsageError(sub === "list" ? "temp-bad list takes no arguments (--meter ID to choose one)" : `${command} needs exactly one METER_ID`);
  }
  const reason = sub === "list" ? "" : reasonOf(command, values.reason);
  const actor = actorOf(values.by);
  const store = await openStore(existingDb(command, values.db), { mustExist: true });
  try {
    if (sub === "set") {
      const flag = await setTempBad(store, { meterId: positionals[0], reason, note: values.note, actor });
      console.log(`temp_bad set on ${flag.meterId}: ${flag.reason} (by ${flag.actor}, ${flag.at})`);
    } else if (sub === "clear") {
      await clearTempBad(store, { meterId: positionals[0], reason, actor });
      console.log(`temp_bad cleared on ${positionals[0]}: ${reason} (by ${actor})`);
    } else {
      const flags = await listTempBad(store, values.meter);
      if (values.json) for (const f of flags) console.log(JSON.stringify({ meter_id: f.meterId, reason: f.reason, note: f.note, by: f.actor, at: f.at }));
      else if (flags.length === 0) console.log("no meter is temp_bad");
      else console.log(formatTable(["meter_id", "reason", "note", "by", "since"], flags.map((f) => [f.meterId, f.reason, f.note, f.actor, f.at])));
    }
  } finally {
    await store.close();
  }
  return 0;
}
