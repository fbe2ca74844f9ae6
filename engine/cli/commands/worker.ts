// `meterflow worker`: decide what NATS JetStream delivers, commit it to the shared store.
import { parseOptions } from "../args.js";
import { runWorker } from "../../worker/index.js";
import type { WorkerCounts } from "../../worker/index.js";
import { checkStoreLocation } from "../../store/location.js";
import { UsageError } from "../errors.js";
import { count } from "../count.js";

export const WORKER_HELP = `Usage: meterflow worker --nats URL --db postgres://HOST/DB[?schema=NAME] [--stream NAME]
                        [--threads N] [--format ndjson|csv] [--exit-when-idle SECONDS] [--ack-wait SECONDS]
                        [--config FILE] [--rules FILE]...

Takes the batches \`meterflow publish\` put on the readings stream, one partition's batches at a
time and in order, decides them as \`meterflow run\` does, commits each in one fenced transaction
to the shared store, publishes its billing, held, alert and rejected rows to meterflow.billing,
meterflow.held, meterflow.alerts and meterflow.rejected, and only then acknowledges it. Start as
many workers as you like, on any machines, with the same options: they share the partitions
by leases kept in a NATS KV bucket (about partitions / workers each; a line says which a
worker holds whenever that changes); when one dies, its partitions go to the others within the
ack wait. \`meterflow export\` writes the
committed outputs as files.

Options:
  --nats URL              NATS server(s), comma-separated                          [required]
  --db URL                the shared store: postgres://... (an SQLite file for one machine) [required]
  --stream NAME           readings stream (default MFLOW; its outputs go to NAME_OUT)
  --threads N             decision threads: 0 (the default) decides in the main thread; N, in a
                          pool of N threads, batches of different partitions in parallel (for
                          machines with cores to spare: on 2 cores it was slower)
  --format ndjson|csv     rows of the output messages: NDJSON (default), or CSV rows as in
                          billing.csv, the header row in the Meterflow-Columns message header
                          (~40% of the bytes; every worker the same)
  --exit-when-idle S      exit once nothing has arrived for S seconds and the stream has no batch
                          pending or awaiting acknowledgement (nightly batch clusters): 0 when
                          the night is decided, 1 when the batches left keep failing here; while
                          another worker's batches are in flight or due again, it waits
  --ack-wait S            seconds a worker may hold a batch before another gets it (default 30)
  --config FILE           plugin configuration (as for meterflow run; every worker the same)
  --rules FILE            rule files (as for meterflow run; every worker the same)

Prints a line when ready, one per minute while it works, and a summary when it exits.`;

export async function worker(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv, allowPositionals: true,
    options: {
      nats: { type: "string" }, db: { type: "string" }, stream: { type: "string" }, "exit-when-idle": { type: "string" },
      "ack-wait": { type: "string" }, threads: { type: "string" }, format: { type: "string", default: "ndjson" }, config: { type: "string" }, rules: { type: "string", multiple: true },
    },
  });
  if (positionals.length > 0) throw new UsageError(`worker takes no arguments, got ${positionals[0]}`);
  if (values.nats === undefined) throw new UsageError("worker needs --nats URL (see meterflow worker --help)");
  if (values.db === undefined) throw new UsageError("worker needs --db URL (see meterflow worker --help)");
  checkStoreLocation(values.db);
  const idle = seconds("--exit-when-idle", values["exit-when-idle"]);
  const ackWait = seconds("--ack-wait", values["ack-wait"]);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 256)) {
    throw new UsageError(`--threads must be a whole number from 0 to 256, got ${values.threads}`);
  }
  const format = values.format;
  if (format !== "ndjson" && format !== "csv") throw new UsageError(`--format must be ndjson or csv, got ${format}`);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let last = performance.now();
  try {
    const counts = await runWorker({
      nats: values.nats, db: values.db, stream: values.stream, config: values.config, rules: values.rules,
      exitWhenIdleSeconds: idle, ackWaitSeconds: ackWait, signal: stop.signal, format, ...(threads === undefined ? {} : { threads }),
      onReady: (s) => console.error(`meterflow worker: stream ${s.stream} (${s.partitions} partitions), `
        + `${s.threads === 0 ? "deciding in the main thread" : `${s.threads} decision thread${s.threads === 1 ? "" : "s"}`}, `
        + `outputs as ${format === "csv" ? "CSV" : "NDJSON"}, waiting for readings`),
      onWaiting: (w) => console.error(`meterflow worker: idle, but ${count(w.batches)} batch${w.batches === 1 ? "" : "es"} of ${ranges(w.partitions)} `
        + "are still in the stream (in another worker's hands, or due again after the ack wait or a failure): waiting for them"),
      onLeases: ({ partitions, workers }) => console.error(`meterflow worker: holds ${ranges(partitions)} `
        + `(${workers} worker${workers === 1 ? "" : "s"} in the cluster)`),
      onMessage: (c) => {
        if (performance.now() - last < 60_000) return;
        last = performance.now();
        console.error(`meterflow worker: ${line(c)}`);
      },
    });
    console.log(`worker: ${line(counts)}; ${counts.seconds.toFixed(1)} s`);
    const f = counts.failing;
    if (f !== undefined) {
      // The night is not decided: said, and not exit 0, so a nightly script does not export it as complete.
      console.error(`meterflow worker: ${count(f.batches)} batch${f.batches === 1 ? "" : "es"} kept failing here (last: ${f.last}); `
        + `${f.batches === 1 ? "it waits" : "they wait"} in the stream${f.behind > 0 ? ` with ${count(f.behind)} behind` : ""} for the next worker`);
      return 1;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return 0;
}

function line(c: WorkerCounts): string {
  const n = count;
  return `${n(c.messages)} batches (${n(c.duplicateMessages)} seen before), ${n(c.rows)} readings: ${n(c.billable)} billable, ${n(c.held)} held, `
    + `${n(c.rejected)} rejected, ${n(c.duplicates)} duplicates`
    + (c.failedDeliveries > 0 ? `; ${n(c.failedDeliveries)} failed deliveries (${n(c.failedBatches)} batch${c.failedBatches === 1 ? "" : "es"})` : "");
}

/** "partitions 0-3, 7" or "no partition". */
function ranges(partitions: readonly number[]): string {
  if (partitions.length === 0) return "no partition";
  const parts: string[] = [];
  for (let i = 0; i < partitions.length; i++) {
    let j = i;
    while (j + 1 < partitions.length && partitions[j + 1] === partitions[j] + 1) j++;
    parts.push(i === j ? String(partitions[i]) : `${partitions[i]}-${partitions[j]}`);
    i = j;
  }
  return `partition${partitions.length === 1 ? "" : "s"} ${parts.join(", ")}`;
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new UsageError(`${name} must be a number of seconds from 0 to 86400, got ${text}`);
  return n;
}
