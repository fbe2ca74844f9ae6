// `meterflow run`: readings files to billing, held and rejected outputs with SQLite state.
// Light modules only up front: the files' decoding starts before the rest of the program loads
// (early-decoder.ts).
import { join } from "node:path";
import { startEarlyDecoder } from "../early-decoder.js";
import { integerIn, parseOptions, TIME_ZONE_HELP, timeZoneArg } from "../args.js";
import { UsageError } from "../errors.js";
import { inputProgress } from "../progress.js";

export const RUN_HELP = `Usage: meterflow run --db FILE|URL --out DIR [--meters METERS] [--pulse-events FILE]... READINGS...

Reads the readings files (CSV, NDJSON or msgpack, by extension or --input-format) and the raw pulse-event files
(each summarised into one reading per meter and day), computes consumption, decides
billable / held / rejected, commits each batch to the store in one transaction, and writes
billing.csv, held.csv, rejected.csv, alerts.csv and summary.json into DIR (and, with
--meters, meters-rejected.csv: the registry rows not imported). Several readings files are
read in the order given and decided together, as one file (a meter's readings in them in date
order); a rerun after a crash gives the same files in the same order. One run at a time works
on a state: another one is refused, saying which run holds it and since when (or waits: --wait).

Options:
  --meters FILE       meter registry (CSV or NDJSON) to import before the run; rows it
                      cannot import are listed on standard error and in meters-rejected.csv
  --pulse-events FILE raw pulse events and line samples (CSV, NDJSON or msgpack); repeat
                      for several
  --config FILE       plugin configuration ({"plugins": [...]}); default ./meterflow.config.json
                      when it exists (the built-in plugins are always loaded)
  --rules FILE        rule file (json-rules-engine format); repeat for several; default:
                      the rules shipped in engine/rules/default
  --db FILE|URL       the store: an SQLite file (created when missing), or     [required]
                      postgres://HOST:PORT/DB[?schema=NAME] for PostgreSQL
  --out DIR           output directory (created when missing)                [required]
  --input-format csv|ndjson|msgpack
                      the format of every readings file, whatever its extension
                      (default: by extension: .csv; .ndjson or .jsonl; .msgpack or .mpk)
  --format csv|ndjson row files as CSV (default) or NDJSON
  --batch-size N      readings per batch and transaction, 1 to 16777216 (default 65536)
  --future-days N     days after today an end date may lie, 0 to 1000000 (default 1)
  --threads N         0: decode, decide and write in one thread; 1: decode and write in
                      threads beside the decision; 2 or more: besides, N threads decide
                      batches at once (each meter's readings in order) (default: 1 for
                      inputs of 4 MiB or more, else 0)
${TIME_ZONE_HELP}
  --wait              when another run holds the state, wait for it to finish (default:
                      stop, saying which run holds it and since when)
  --quiet             no summary table on standard output, no progress on standard error

Progress goes to standard error: a bar on a terminal, one line per input file otherwise.
Exit status 0 when the run completed (rejected rows included), 1 when it could not run
(nothing is written when an input, option or the output directory is wrong), 2 for a usage
mistake.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      meters: { type: "string" },
      rules: { type: "string", multiple: true },
      "pulse-events": { type: "string", multiple: true },
      config: { type: "string" },
      db: { type: "string" },
      out: { type: "string" },
      format: { type: "string", default: "csv" },
      "batch-size": { type: "string", default: "65536" },
      "future-days": { type: "string", default: "1" },
      threads: { type: "string" },
      "input-format": { type: "string" },
      "time-zone": { type: "string" },
      wait: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
  });
  // An empty path is none: SQLite would take "" for a temporary database, and --out "" for the current directory.
  if (values.db === undefined || values.db === "") throw new UsageError("run needs --db FILE|URL (see meterflow run --help)");
  if (values.out === undefined || values.out === "") throw new UsageError("run needs --out DIR (see meterflow run --help)");
  for (const name of ["meters", "config"] as const) if (values[name] === "") throw new UsageError(`--${name} needs a file (see meterflow run --help)`);
  const pulseEvents = values["pulse-events"] ?? [];
  if (values.format !== "csv" && values.format !== "ndjson") throw new UsageError(`--format must be csv or ndjson, got ${values.format}`);
  const inputFormat = values["input-format"];
  if (inputFormat !== undefined && inputFormat !== "csv" && inputFormat !== "ndjson" && inputFormat !== "msgpack") {
    throw new UsageError(`--input-format must be csv, ndjson or msgpack, got ${inputFormat}`);
  }
  const batchSize = integerIn("--batch-size", values["batch-size"], 1, MAX_BATCH_SIZE);
  const futureDays = integerIn("--future-days", values["future-days"], 0, 1_000_000);
  const threadCount = values.threads === undefined ? undefined : integerIn("--threads", values.threads, 0, 1024);
  const threads = threadCount === undefined ? undefined : threadCount > 0;
  // After the options' values: `--batch-size r.csv` (its number forgotten) is said as such, not as a run without readings.
  if (positionals.length === 0 && pulseEvents.length === 0) throw new UsageError("run needs at least one readings file (see meterflow run --help)");
  const out = values.out;
  const timeZone = timeZoneArg(values["time-zone"]);
  const decoder = startEarlyDecoder({ inputs: positionals, pulseEvents, inputFormat, threads, batchSize, futureDays, db: values.db, config: values.config, timeZone });
  let loaded;
  try {
    loaded = await Promise.all([import("../../runtime/index.js"), import("./run-summary.js"), import("../../sinks/meters-rejected.js"),
      import("../meters-rejections.js")]);
  } catch (error) {
    await decoder?.terminate();
    throw error;
  }
  const [{ runFiles }, { summaryTable }, { METERS_REJECTED }, { printRegistryRejections }] = loaded;
  const summary = await runFiles({
    inputs: positionals, pulseEvents, config: values.config, db: values.db, out, meters: values.meters, rules: values.rules, format: values.format,
    batchSize, futureDays, ...(timeZone === undefined ? {} : { timeZone }), ...(threads === undefined ? {} : { threads, decisionThreads: threadCount }), ...(inputFormat === undefined ? {} : { inputFormat }), decoder,
    wait: values.wait, onWait: (holder) => console.error(`meterflow: ${holder} (--wait)`),
    onRegistry: (imported) => printRegistryRejections(imported.rejections ?? [], join(out, METERS_REJECTED)),
    ...(values.quiet ? {} : { inputProgress: inputProgress() }),
  });
  if (!values.quiet) console.log(summaryTable(summary, values.out, values.format as "csv" | "ndjson"));
  return 0;
}

/** The largest batch the decoders take (engine/ingest/options.ts). */
const MAX_BATCH_SIZE = 1 << 24;

