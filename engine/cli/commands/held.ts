// `meterflow held list|release`: held readings for an operator, over the store.
import type { ParseArgsConfig } from "node:util";
import { parseOptions } from "../args.js";
import { listHeld, OperationSession, releaseHeld } from "../../operations/index.js";
import { day, num } from "../../sinks/format.js";
import { openStore } from "../../store/open.js";
import { UsageError } from "../errors.js";
import { actorOf, existingDb, reasonOf } from "../operator.js";
import { formatTable } from "../table.js";

export const HELD_HELP = `Usage: meterflow held list [--meter METER_ID] [--reason REASON] [--limit N] [--after CURSOR] [--json] --db FILE|URL
       meterflow held release READING_ID --reason TEXT [--value V] [--by NAME] [--config FILE] [--rules FILE]... --db FILE|URL

list     the readings held from billing and not released yet, oldest first, with their reasons
         (a page of --limit, default 50; the line after the table gives the next --after)
release  an operator's decision that a held reading is right: it is judged again with its
         rules' holds lifted and billed against the meter's billing chain like any reading
         (a back-dated one corrects the reading after it), so it bills exactly what it adds.
         Its held record is resolved and the release audited with who (--by, default your
         login name) and why. Refused, with nothing changed, when no release can bill it: a
         conflict with a billed reading of that day, a reading before the registry baseline, a
         meter not in the registry, or a reading that would make the one after it implausible.
         A reading held unknown_meter, back_dated_pulses, before_baseline or unknown_meter_type
         was never judged by the rules that apply now: its release (once its meter is imported,
         its baseline fixed, its type loaded again) judges it as a new late reading, and what
         that holds it for (a pulse fault, a rule, the meter's temp_bad flag, an implausible
         value) it stays held for, nothing billed ("re-held ..."; held list shows its new
         reasons, and a release of it then lifts them).
         READING_ID is held.csv's reading_id (METER@YYYY-MM-DD); --value picks one when several
         held readings share it. Use the --config and --rules your runs use.

Options:
  --meter ID       only this meter's held readings
  --reason REASON  only readings held for this reason (temp_bad, implausible_rollover, ...);
                   temp_bad also lists a rule's temp_bad:<cause> (temp_bad:bounce, ...)
  --limit N        rows per page, 1-10000 (default 50)
  --after CURSOR   the page after this cursor
  --json           list as NDJSON (one held reading per line, with its cursor; the "more"
                   line of a full page goes to standard error)
  --reason TEXT    (release) why; required and audited
  --by NAME        who releases (default: your login name)
  --value V        (release) which of the held readings sharing READING_ID (their value)
  --config FILE    (release) the plugin configuration your runs use (default ./meterflow.config.json)
  --rules FILE     (release) the rule files your runs use, repeatable (default: the default rules)
  --db FILE|URL    the store (an SQLite file a run made, or postgres://...)         [required]`;

/** Each subcommand's options: one of the other's is unknown to it, not taken and ignored. */
const OPTIONS: Record<"list" | "release", ParseArgsConfig["options"]> = {
  list: { reason: { type: "string" }, db: { type: "string" }, meter: { type: "string" }, limit: { type: "string" }, after: { type: "string" },
    json: { type: "boolean", default: false } },
  release: { reason: { type: "string" }, db: { type: "string" }, value: { type: "string" }, by: { type: "string" }, config: { type: "string" },
    rules: { type: "string", multiple: true } },
};

export async function held(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "list" && sub !== "release") throw new UsageError(`unknown held command "${sub ?? ""}" (list or release; see meterflow held --help)`);
  const { values, positionals } = parseOptions({ args: rest, allowPositionals: true, options: OPTIONS[sub] });
  return sub === "list" ? list(values as Values, positionals) : release(values as Values, positionals);
}

type Values = { [key: string]: string | boolean | string[] | undefined };

async function list(values: Values, positionals: string[]): Promise<number> {
  if (positionals.length !== 0) throw new UsageError("held list takes no arguments (--meter ID to choose a meter)");
  const limit = wholeNumber("--limit", values.limit as string | undefined, 1, 10_000) ?? 50;
  const after = wholeNumber("--after", values.after as string | undefined, 0, Number.MAX_SAFE_INTEGER);
  const store = await openStore(existingDb("held list", values.db as string | undefined), { mustExist: true });
  try {
    const page = await listHeld(store, { meterId: values.meter as string | undefined, reason: values.reason as string | undefined, after, limit });
    if (values.json) {
      for (const h of page.rows) {
        console.log(JSON.stringify({ cursor: h.id, reading_id: h.readingId, meter_id: h.meterId, end: day(h.endDay), value: h.value, reasons: h.reasons, held_at: h.heldAt, rules_version: h.rulesVersion }));
      }
      // Standard output stays one held reading a line: where the next page starts goes to standard error.
      if (page.next !== undefined) console.error(`more: meterflow held list --after ${page.next} ...`);
    } else if (page.rows.length === 0) console.log("no held readings");
    else {
      console.log(formatTable(["reading_id", "value", "reasons", "held at"], page.rows.map((h) => [h.readingId, String(h.value), h.reasons, h.heldAt])));
      if (page.next !== undefined) console.log(`more: meterflow held list --after ${page.next} ...`);
    }
  } finally {
    await store.close();
  }
  return 0;
}

async function release(values: Values, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("held release needs exactly one READING_ID (METER@YYYY-MM-DD, as in held.csv)");
  const reason = reasonOf("held release", values.reason as string | undefined);
  const value = values.value === undefined ? undefined : Number(values.value);
  if (value !== undefined && !Number.isFinite(value)) throw new UsageError(`--value must be a number, got ${String(values.value)}`);
  const actor = actorOf(values.by as string | undefined);
  const store = await openStore(existingDb("held release", values.db as string | undefined), { mustExist: true });
  let session: OperationSession;
  try {
    session = await OperationSession.open({ db: store, config: values.config as string | undefined, rules: values.rules as string[] | undefined });
  } catch (error) {
    await store.close();
    throw error;
  }
  try {
    const r = await releaseHeld(session, { readingId: positionals[0], value, reason, actor });
    if (r.decision === "held") {
      console.log(`re-held ${r.readingId}: ${r.reasons}; nothing billed (its hold judged nothing: judged now; release it again to lift these) (by ${actor})`);
      return 0;
    }
    // Numbers as the output files write them (at most 6 decimals).
    const correction = r.correction === 0 ? "" : `; the reading after it corrected by ${num(r.correction)}`;
    const flags = r.flags === "" ? "" : ` [${r.flags}]`;
    console.log(`released ${r.readingId}: billed ${num(r.billed)}${flags}${correction} (by ${actor})`);
  } finally {
    await session.close();
    await store.close();
  }
  return 0;
}

function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return n;
}
