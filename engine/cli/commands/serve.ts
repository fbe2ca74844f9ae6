// `meterflow serve`: the control API over a store (engine/api).
import { existsSync, statSync } from "node:fs";
import { DEFAULT_JOB_NICE, DEFAULT_MAX_BODY, DEFAULT_MAX_PHOTO, startApiServer } from "../../api/index.js";
import { openStore } from "../../store/open.js";
import { integerIn, parseOptions } from "../args.js";
import { UsageError } from "../errors.js";
import { existingDb } from "../operator.js";

export const SERVE_HELP = `Usage: meterflow serve --db FILE|URL [--host 127.0.0.1] [--port 8080] [options]

The control API over the store: meters, temp_bad, held readings, manual readings with a photo,
metrics. Every route but GET /health needs Authorization: Bearer <token> (meterflow tokens add).
The OpenAPI document is at GET /openapi.json. Stops on SIGINT or SIGTERM.

Options:
  --db FILE|URL         the store (an SQLite file a run made, or postgres://...)     [required]
  --host HOST           address to listen on (default 127.0.0.1)
  --port N              port (default 8080; 0 picks a free one, printed)
  --config FILE         plugin configuration, as meterflow run takes it
  --rules FILE          rule file; repeat for several (default: the shipped rules)
  --max-body BYTES      largest JSON body (default ${DEFAULT_MAX_BODY})
  --max-photo BYTES     largest manual-reading upload, photo included (default ${DEFAULT_MAX_PHOTO})
  --data-dir DIR        the directory jobs (POST /v1/jobs) read and write under; no jobs
                        without it
  --job-nice N          CPU priority of a job's threads, 0 (the server's) to 19 (lowest)
                        (default ${DEFAULT_JOB_NICE}: requests go first while a job runs)
  --manual-review       a manual reading with a photo on a temp_bad meter stays held for an
                        operator instead of clearing the flag
  --future-days N       days after today a manual reading's end may lie, 0 to 1000000 (default
                        1, as meterflow run's); later ones are rejected future_date
  --nats URL            NATS (the workers' JetStream): GET /ready checks it answers, GET /metrics
                        has meterflow_queue_lag per partition consumer of the readings stream
  --stream NAME         the readings stream (default MFLOW)`;

function bytes(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of bytes > 0, got ${text}`);
  return n;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: {
      db: { type: "string" }, host: { type: "string" }, port: { type: "string" }, config: { type: "string" }, rules: { type: "string", multiple: true },
      "max-body": { type: "string" }, "max-photo": { type: "string" }, "manual-review": { type: "boolean", default: false }, "data-dir": { type: "string" },
      "job-nice": { type: "string" }, nats: { type: "string" }, stream: { type: "string" }, "future-days": { type: "string", default: "1" },
    },
  });
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a whole number from 0 to 65535, got ${values.port}`);
  const futureDays = integerIn("--future-days", values["future-days"], 0, 1_000_000);
  const db = existingDb("serve", values.db);
  // PostgreSQL too: a schema without meterflow's tables is refused, not created (MF_ERR_STORE_MISSING).
  await (await openStore(db, { mustExist: true })).close();
  const dataDir = values["data-dir"];
  if (dataDir !== undefined && !(existsSync(dataDir) && statSync(dataDir).isDirectory())) throw new UsageError(`--data-dir ${dataDir} is not a directory`);
  const jobNice = values["job-nice"] === undefined ? undefined : Number(values["job-nice"]);
  if (jobNice !== undefined && !(Number.isInteger(jobNice) && jobNice >= 0 && jobNice <= 19)) throw new UsageError(`--job-nice must be a whole number from 0 to 19, got ${values["job-nice"]}`);
  if (values.stream !== undefined && values.nats === undefined) throw new UsageError("--stream needs --nats URL");
  const server = await startApiServer({
    db, host: values.host, port, config: values.config, rules: values.rules,
    maxBodyBytes: bytes("--max-body", values["max-body"]), maxPhotoBytes: bytes("--max-photo", values["max-photo"]), manualReview: values["manual-review"],
    dataDir, jobNice, nats: values.nats, stream: values.stream, futureDays,
  });
  console.log(`meterflow serve: listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  return 0;
}
