// `meterflow publish`: readings files into the NATS JetStream readings stream.
import { publishFiles } from "../../nats/index.js";
import type { PublishSummary } from "../../nats/index.js";
import { UsageError } from "../errors.js";
import { parseOptions, timeZoneArg } from "../args.js";
import { existingDb } from "../operator.js";
import { progress } from "../progress.js";
import { count } from "../count.js";

export const PUBLISH_HELP = `Usage: meterflow publish --nats URL [--db FILE|URL] [--stream NAME] [--partitions P] [--out DIR] [--pulse-events FILE]... READINGS...

Reads the readings files (CSV, NDJSON or msgpack, by extension) and the raw pulse-event files
(each summarised into one reading per meter and day), rejects bad rows with reasons, and
publishes the valid readings to the JetStream stream on subjects meterflow.readings.<partition>
(the store's partition function) as columnar msgpack batches under the server's max payload.
The readings files are batched together, in the order given (a night in many files gives the
messages of one file). Each message has a deterministic Nats-Msg-Id: publishing the same files
again, in the same order, stores nothing new.
The stream is created when missing (work-queue retention, file storage, 24 h duplicate window).
Pulse events are debounced at publish time: with --db, each meter as meterflow run debounces it
(its registry row's debounce_ms, else its pulse_input profile's; only the buckets of the meters
the events name are read); without, every meter with the default 5 ms, which a line on standard
error says once when the events name any meter.

Options:
  --nats URL          NATS server, nats://HOST:PORT (several: comma-separated)     [required]
  --stream NAME       stream name (default MFLOW)
  --db FILE|URL       the store (an SQLite file, or postgres://HOST/DB[?schema=NAME]): its
                      registry debounces the pulse events; its partition count must be the
                      stream's (a new stream gets it)
  --partitions P      the store's partition count; must match the stream's (default: the
                      stream's; for a new stream the store's with --db, else 16)
  --out DIR           write rejected.csv and publish-summary.json into DIR
  --pulse-events FILE raw pulse events and line samples; repeat for several
  --config FILE       plugin configuration (its channels are read from the readings); default
                      ./meterflow.config.json when it exists
  --future-days N     days after today an end date may lie (default 1)
  --time-zone ZONE    the time zone calendar days are counted in: UTC, an offset such as
                      +01:00, or an IANA name such as Europe/Berlin; a new stream records
                      it, and the stream and the store must have it (default: the store's
                      with --db, else the stream's; UTC for a new stream)
  --in-flight N       messages queued for publishing at most (default 64); one per
                      partition awaits its acknowledgement at a time, so each partition's
                      messages are stored in file order
  --connect-timeout S seconds to wait for the server (default 5)
  --quiet             no summary line

Prints a progress line on a terminal and one summary line at the end. Exit status 0 when every
valid reading was acknowledged, 1 when it could not run (server unreachable, no store at --db,
stream and store partition counts differ: MF_ERR_NATS_PARTITIONS, or their time zones:
MF_ERR_NATS_TIME_ZONE), 2 for a usage error.`;

export async function publish(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      nats: { type: "string" },
      db: { type: "string" },
      stream: { type: "string" },
      partitions: { type: "string" },
      out: { type: "string" },
      "pulse-events": { type: "string", multiple: true },
      config: { type: "string" },
      "future-days": { type: "string", default: "1" },
      "time-zone": { type: "string" },
      "in-flight": { type: "string", default: "64" },
      "connect-timeout": { type: "string", default: "5" },
      quiet: { type: "boolean", default: false },
    },
  });
  if (values.nats === undefined) throw new UsageError("publish needs --nats URL (see meterflow publish --help)");
  const pulseEvents = values["pulse-events"] ?? [];
  if (positionals.length === 0 && pulseEvents.length === 0) throw new UsageError("publish needs at least one readings file (see meterflow publish --help)");
  if (values.stream !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(values.stream)) {
    throw new UsageError(`--stream must be letters, digits, _ or -, got ${values.stream}`);
  }
  const partitions = values.partitions === undefined ? undefined : integer("--partitions", values.partitions, 1, 65_535);
  const connectSeconds = Number(values["connect-timeout"]);
  if (!(connectSeconds > 0 && connectSeconds <= 600)) throw new UsageError(`--connect-timeout must be seconds from 0 to 600, got ${values["connect-timeout"]}`);
  const db = values.db === undefined ? undefined : existingDb("publish", values.db);
  const timeZone = timeZoneArg(values["time-zone"]);
  const bar = progress("publish");
  const summary = await publishFiles({
    nats: values.nats, db, inputs: positionals, pulseEvents, stream: values.stream, partitions, out: values.out, config: values.config,
    futureDays: integer("--future-days", values["future-days"], 0, 36_500), inFlight: integer("--in-flight", values["in-flight"], 1, 100_000),
    connectTimeoutMs: Math.round(connectSeconds * 1000), onProgress: bar.update, ...(timeZone === undefined ? {} : { timeZone }),
  }).finally(bar.done);
  if (!values.quiet) console.log(summaryLine(summary));
  return 0;
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${text}`);
  return n;
}

/** The one line printed at the end. */
export function summaryLine(s: PublishSummary): string {
  return `published ${count(s.published)} readings in ${count(s.messages)} messages (${(s.bytes / 1e6).toFixed(1)} MB) to ${s.stream} `
    + `(${s.partitions} partitions), ${count(s.rejected)} rejected, ${count(s.duplicate_readings)} duplicates already in the stream; `
    + `${s.seconds.toFixed(2)} s, ${(s.readings_per_second / 1e6).toFixed(2)}M readings/s`;
}
