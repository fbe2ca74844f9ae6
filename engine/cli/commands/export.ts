// `meterflow export`: the files of `meterflow run`, written from what a store committed.
import { parseOptions } from "../args.js";
import { exportOutputs } from "../../export/index.js";
import { openStore } from "../../store/open.js";
import { UsageError } from "../errors.js";
import { existingDb } from "../operator.js";
import { count } from "../count.js";

export const EXPORT_HELP = `Usage: meterflow export --db FILE|URL --out DIR [--since BATCH|TIME] [--format csv|ndjson]

Writes billing.csv, held.csv, alerts.csv, rejected.csv and summary.json into DIR from what the
store committed, batch by batch in commit order: the same rows \`meterflow run\` wrote for those
batches. This is how a cluster's outputs (workers fed from NATS, committing to PostgreSQL) become
files; on a run's own state it rewrites that run's files. Releases by operators are batches too.

Options:
  --db FILE|URL     the store (an SQLite file, or postgres://HOST/DB[?schema=NAME])   [required]
  --out DIR         output directory (created when missing)                            [required]
  --since BATCH     only batches committed after this batch id (summary.json's next_since
                    of the previous export; "" there: nothing was exported yet), or
  --since TIME      only batches committed at or after this ISO time (2026-12-04T02:00:00Z)
  --format csv|ndjson  row files as CSV (default) or NDJSON`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv, allowPositionals: true,
    options: { db: { type: "string" }, out: { type: "string" }, since: { type: "string" }, format: { type: "string", default: "csv" } },
  });
  if (positionals.length > 0) throw new UsageError(`export takes no arguments, got ${positionals[0]}`);
  if (values.out === undefined || values.out === "") throw new UsageError("export needs --out DIR (see meterflow export --help)");
  if (values.format !== "csv" && values.format !== "ndjson") throw new UsageError(`--format must be csv or ndjson, got ${values.format}`);
  // An empty --since is the first export's next_since (nothing exported yet): from the start.
  const since = values.since === undefined || values.since === "" ? undefined : sinceOf(values.since);
  const store = await openStore(existingDb("export", values.db), { mustExist: true });
  try {
    const s = await exportOutputs({ store, out: values.out, format: values.format, since });
    console.log(`exported ${count(s.batches)} batch${s.batches === 1 ? "" : "es"}: ${count(s.billable)} billable, ${count(s.held)} held, `
      + `${count(s.rejected)} rejected, ${count(s.duplicates)} duplicates; outputs in ${values.out}`);
  } finally {
    await store.close();
  }
  return 0;
}

/** Hex digits of a batch id (engine/ingest/batch-id.ts, the worker's and the control API's alike). */
const BATCH_ID_DIGITS = 32;

function sinceOf(text: string): { batch: string } | { time: string } {
  if (/^[0-9a-f]+$/i.test(text)) {
    if (text.length === BATCH_ID_DIGITS) return { batch: text.toLowerCase() };
    throw new UsageError(`--since ${text} is ${text.length} hex digits: a batch id has ${BATCH_ID_DIGITS} `
      + `(summary.json's next_since, whole); or give an ISO time (2026-12-04T02:00:00Z)`);
  }
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) throw new UsageError(`--since must be a batch id (hex, as in summary.json range.last) or an ISO time, got ${text}`);
  return { time: new Date(time).toISOString() };
}
