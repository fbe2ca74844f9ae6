// `meterflow publish` as a function: readings files (and pulse-events files) read with ingest's
// decoders, bad rows rejected with reasons (rejected.csv in `out`), valid rows grouped by
// partition into columnar batches under the server's max payload and published to the readings
// stream with acknowledgements awaited. With a store (`db`), pulse events are debounced with
// their meters' registry rows, as `meterflow run` debounces them, and the stream's partition
// count is checked against the store's.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ReadingBatch } from "../ingest/batch.js";
import { IngestError } from "../ingest/errors.js";
import { DEFAULT_BATCH_SIZE } from "../ingest/options.js";
import { createMeterIndex } from "../ingest/meter-index.js";
import { readInputs } from "../ingest/open.js";
import { fileOfLine, lineInFile } from "../ingest/source-line.js";
import { fileNameBytes } from "./wire.js";
import { channelRanges, rejectOutOfRange } from "../ingest/ranges.js";
import { canDecodeInWorker, readReadingsInWorker } from "../ingest/threaded.js";
import { rejectReasonName } from "../ingest/reasons.js";
import { warnOnStderr } from "../decide/rules.js";
import { channelIndex, loadPlugins, readPluginConfig } from "../plugins/index.js";
import { profileOf } from "../pulses/profiles.js";
import { parseTimeZone, timeZone, useTimeZone } from "../time/index.js";
import { readEventsBatch } from "../runtime/pulse-events.js";
import { checkInputHeaders, formatOf } from "../runtime/input-checks.js";
import { WorkingSet } from "../runtime/working-set.js";
import { csv } from "../sinks/format.js";
import { DEFAULT_PARTITIONS } from "../store/contract.js";
import type { PartitionedStore } from "../store/contract.js";
import type { MeterTable } from "../store/meter-table.js";
import { openStore } from "../store/open.js";
import { PartitionBatcher } from "./batcher.js";
import { connectNats, maxPayloadOf } from "./connect.js";
import { NatsError } from "./errors.js";
import { toMessages } from "./messages.js";
import { Publisher } from "./publisher.js";
import { ensureStream } from "./stream.js";

/** Options of publishFiles. */
export interface PublishOptions {
  /** NATS server URL(s), comma-separated. */
  nats: string;
  /** Readings files (CSV, NDJSON, msgpack by extension). */
  inputs: string[];
  /** Raw pulse-event files, each summarised into one reading per meter and day. */
  pulseEvents?: string[];
  /** Stream name; default MFLOW. */
  stream?: string;
  /** Partitions (the store's count); absent: the stream's own, for a new stream the store's (`db`) or 16. */
  partitions?: number;
  /**
   * The store (an SQLite file or a `postgres://` URL): pulse events are debounced with their
   * meters' registry rows (`debounce_ms`, else the `pulse_input` profile's), only those meters'
   * buckets read, and the stream must have its partition count (MF_ERR_NATS_PARTITIONS). Absent:
   * every meter is debounced with the default profile's 5 ms (`onWarning` says so once).
   */
  db?: string;
  /** Where the note about debouncing without a store goes; default stderr (`meterflow: warning: ...`). */
  onWarning?: (message: string) => void;
  /** Directory for rejected.csv and publish-summary.json; absent: rejected rows are counted only. */
  out?: string;
  /** Plugin configuration file (its channels are decoded from the readings); default ./meterflow.config.json when present. */
  config?: string;
  /** Days after today an end date may lie (default 1). */
  futureDays?: number;
  /**
   * The time zone days are counted in (UTC, `+01:00`, `Europe/Berlin`): a new stream records it;
   * the stream and the store (`db`) must have it (MF_ERR_NATS_TIME_ZONE, MF_ERR_STORE_TIME_ZONE).
   * Absent: the store's, else the stream's (UTC for a new stream).
   */
  timeZone?: string;
  /** Rows per ingest batch (default 65536). */
  batchSize?: number;
  /**
   * Bytes of readings (24 a reading) gathered per partition before they are cut into messages in
   * bucket order (default 32 MiB, ~1.4M readings; engine/nats/batcher.ts). Tests make it small.
   */
  windowBytes?: number;
  /**
   * Decode readings files in ingest's worker thread beside batching and publishing (only from
   * the compiled package). Default false: measured on 1M readings it cost more CPU (ids posted
   * across, batch ids hashed, plugins loaded twice) and more wall time (2.1-2.5 s in-thread vs
   * 4-7 s threaded on a loaded 2-core machine).
   */
  threads?: boolean;
  /** Unacknowledged messages at most (default 64). */
  inFlight?: number;
  /** Milliseconds to wait for one acknowledgement before publishing again with the same id (default 10000). */
  ackTimeoutMs?: number;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Today (tests); default now. */
  now?: Date;
  /** Readings read so far, after every ingest batch. */
  onProgress?: (readings: number) => void;
}

/** What a publish did (publish-summary.json). */
export interface PublishSummary {
  stream: string;
  partitions: number;
  stream_created: boolean;
  /** Rows read: published + rejected. */
  in: number;
  /** Valid readings acknowledged by the stream (stored now, or before: see duplicate_readings). */
  published: number;
  rejected: number;
  messages: number;
  bytes: number;
  /** Messages the server reported as duplicates of ones it already had (not stored again). */
  duplicate_messages: number;
  duplicate_readings: number;
  /** Publishes sent again (same message id) after a timeout or a lost connection. */
  retries: number;
  max_payload: number;
  seconds: number;
  readings_per_second: number;
  rejected_reasons: Record<string, number>;
  inputs: Array<{ path: string; kind: "readings" | "pulse-events"; in: number; rejected: number }>;
}

/** Publishes the files; resolves to the summary (also written to `out`/publish-summary.json). */
export async function publishFiles(options: PublishOptions): Promise<PublishSummary> {
  const started = performance.now();
  const files = [
    ...options.inputs.map((path) => ({ path, kind: "readings" as const })),
    ...(options.pulseEvents ?? []).map((path) => ({ path, kind: "pulse-events" as const })),
  ];
  for (const f of files) {
    let ok = false;
    try {
      ok = statSync(f.path).isFile();
    } catch {
      ok = false;
    }
    if (!ok) throw new IngestError("MF_ERR_INPUT_OPEN", `cannot open ${f.path}: no such file`);
  }
  const config = readPluginConfig(options.config);
  const pluginConfig = { baseDir: config.baseDir, plugins: config.plugins, meters: config.meters };
  const plugins = await loadPlugins(pluginConfig);
  const channels = channelIndex(plugins);
  // Every input's format and header, before the --out directory, the store or the stream is touched.
  const sized = (kind: "readings" | "pulse-events") => files.filter((f) => f.kind === kind).map((f) => ({ path: f.path, bytes: statSync(f.path).size }));
  const readingFiles = sized("readings");
  checkInputHeaders(readingFiles, readingFiles.map((f) => formatOf(f.path, undefined, undefined)), sized("pulse-events"), channels);
  const ranges = channelRanges(plugins.channels);
  const inWorker = (options.threads ?? false) && canDecodeInWorker();
  // --out is made once the store, the server and the stream have passed their checks (a refused publish leaves no directory).
  let rejected: RejectedFile | undefined;
  let store: PartitionedStore | undefined;
  let nc: NatsConnection | undefined;
  try {
    store = options.db === undefined ? undefined : await openStore(options.db, { mustExist: true, ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }) });
    const askedZone = store?.timeZone ?? (options.timeZone === undefined ? undefined : parseTimeZone(options.timeZone).name);
    if (store !== undefined && options.partitions !== undefined && options.partitions !== store.partitions) {
      throw new NatsError("MF_ERR_NATS_PARTITIONS", `--partitions ${options.partitions} is not the store's partition count (${store.partitions}): `
        + "the publisher, the workers and the store must use one partition count");
    }
    nc = await connectNats(options.nats, { timeoutMs: options.connectTimeoutMs, name: "meterflow publish" });
    const stream = await ensureStream(await jetstreamManager(nc), {
      name: options.stream, partitions: options.partitions, defaultPartitions: store?.partitions ?? DEFAULT_PARTITIONS,
      ...(askedZone === undefined ? {} : { timeZone: askedZone, timeZoneAskedBy: store === undefined ? "--time-zone" : "the store (--db)" }),
    });
    // Days are counted in the stream's zone, which the workers' store has (they check it).
    useTimeZone(parseTimeZone(stream.timeZone));
    if (store !== undefined && stream.partitions !== store.partitions) {
      throw new NatsError("MF_ERR_NATS_PARTITIONS", `stream ${stream.name} has ${stream.partitions} partitions, the store (--db) has ${store.partitions}: `
        + "the publisher, the workers and the store must use one partition count");
    }
    rejected = options.out === undefined ? undefined : new RejectedFile(options.out);
    const maxPayload = maxPayloadOf(nc);
    // Headers (Nats-Msg-Id) count against the max payload too.
    const limit = maxPayload - 256;
    const batcher = new PartitionBatcher({ partitions: stream.partitions, maxBytes: limit, channels: [...channels.keys()], windowBytes: options.windowBytes });
    const publisher = new Publisher(jetstream(nc), { inFlight: options.inFlight, ackTimeoutMs: options.ackTimeoutMs, stream: stream.name });
    const maxEndDay = timeZone().dayOf((options.now ?? new Date()).getTime()) + (options.futureDays ?? 1);
    const reasons: Record<string, number> = {};
    const inputs: PublishSummary["inputs"] = [];
    let rows = 0;
    const send = async (batches: ReturnType<PartitionBatcher["flush"]>) => {
      for (const b of batches) for (const m of toMessages(b, limit)) await publisher.publish(m);
    };
    // A batch of `paths` read as one stream (each row's line names its file: source-line.ts),
    // with `group` their summary entries.
    const take = async (batch: ReadingBatch, paths: readonly string[], group: Array<PublishSummary["inputs"][number]>) => {
      for (let r = 0; r < batch.length; r++) {
        const input = group[fileOfLine(batch.line[r])];
        input.in++;
        const code = batch.reject[r];
        if (code === 0) continue;
        const reason = rejectReasonName(code);
        reasons[reason] = (reasons[reason] ?? 0) + 1;
        input.rejected++;
        rejected?.row(input.path, lineInFile(batch.line[r]), batch.meter[r] >= 0 ? batch.meters.idOf(batch.meter[r]) : "", reason, batch.rawOf(r));
      }
      rows += batch.length;
      await send(batcher.add(batch, paths));
      options.onProgress?.(rows);
    };
    // The readings files are read as one stream and batched together, as `meterflow run` routes
    // its files together (a night in many files gives each partition the messages of one file),
    // in groups whose names fit a message comfortably (each message lists its group's files).
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (const paths of nameGroups(files.filter((f) => f.kind === "readings").map((f) => f.path))) {
      const group = paths.map((path) => ({ path, kind: "readings" as const, in: 0, rejected: 0 }));
      // As `meterflow run` reads them: decoded (optionally in a worker thread), channel values
      // outside their physical range rejected.
      const batches = inWorker
        ? readReadingsInWorker({ path: paths[0], ...(paths.length > 1 ? { more: paths.slice(1) } : {}), batchSize, maxEndDay, plugins: pluginConfig, timeZone: stream.timeZone })
        : readInputs(paths, { meters: createMeterIndex(), channels, maxEndDay, batchSize });
      for await (const batch of batches) {
        if (!inWorker) rejectOutOfRange(batch, ranges);
        await take(batch, paths, group);
      }
      await send(batcher.flush());
      inputs.push(...group);
    }
    // Pulse events are debounced here, once: with the store, each meter as `meterflow run`
    // debounces it (its registry row, loaded by bucket through a run's working set when the file
    // names it); without, with the default profile's time, said once.
    const ws = store === undefined ? undefined : new WorkingSet(store);
    // The events files' day readings batched together, as `meterflow run` decides them together.
    let warned = false;
    for (const paths of nameGroups(files.filter((f) => f.kind === "pulse-events").map((f) => f.path))) {
      const group = paths.map((path) => ({ path, kind: "pulse-events" as const, in: 0, rejected: 0 }));
      const { batch } = await readEventsBatch(paths, ws?.meters ?? NO_REGISTRY, { maxEndDay, ...(ws === undefined ? {} : { load: (ids) => ws.load(ids) }) });
      if (ws === undefined && !warned && batch.meters.size > 0) {
        warned = true;
        (options.onWarning ?? warnOnStderr)(`pulse events are debounced with the default ${profileOf(0).debounceMs} ms without a registry `
          + "(pass --db to use each meter's own: its debounce_ms, else its pulse_input profile's)");
      }
      await take(batch, paths, group);
      await send(batcher.flush());
      inputs.push(...group);
    }
    const counts = await publisher.flush();
    const rejectedRows = inputs.reduce((n, i) => n + i.rejected, 0);
    const seconds = (performance.now() - started) / 1000;
    const summary: PublishSummary = {
      stream: stream.name, partitions: stream.partitions, stream_created: stream.created,
      in: rows, published: counts.readings, rejected: rejectedRows, messages: counts.messages, bytes: counts.bytes,
      duplicate_messages: counts.duplicates, duplicate_readings: counts.duplicateReadings, retries: counts.retries, max_payload: maxPayload,
      seconds: Math.round(seconds * 1000) / 1000, readings_per_second: Math.round(rows / seconds),
      rejected_reasons: Object.fromEntries(Object.entries(reasons).sort(([a], [b]) => a.localeCompare(b))), inputs,
    };
    if (summary.in !== summary.published + summary.rejected) {
      throw new NatsError("MF_ERR_NATS_PUBLISH", `readings do not balance: in ${summary.in}, acknowledged ${summary.published}, rejected ${summary.rejected}`);
    }
    rejected?.close(summary);
    return summary;
  } catch (error) {
    rejected?.discard();
    throw error;
  } finally {
    await nc?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}

/** File names a message may list (bytes): more files than fit are published in groups of their own. */
const GROUP_NAME_BYTES = 16 << 10;

/** `paths` in groups, in order, each group's names within GROUP_NAME_BYTES (a longer name alone). */
function nameGroups(paths: readonly string[]): string[][] {
  const groups: string[][] = [];
  let bytes = Number.POSITIVE_INFINITY;
  for (const path of paths) {
    const size = fileNameBytes(path);
    if (bytes + size > GROUP_NAME_BYTES) {
      groups.push([]);
      bytes = 0;
    }
    groups.at(-1)!.push(path);
    bytes += size;
  }
  return groups;
}

/**
 * Pulse events summarised without a store: no meter has a registry row, so every meter gets the
 * default profile's (s0a) debounce, as an unregistered meter does in `meterflow run`.
 */
const NO_REGISTRY = { keyOf: new Map<string, number>(), debounceMs: new Float64Array(0), pulseInput: new Uint8Array(0) } as unknown as MeterTable;

/** rejected.csv (as `meterflow run` writes it, plus the file) and publish-summary.json, published when the run completes. */
class RejectedFile {
  static readonly HEADER = "source_line,meter_id,reason,raw,file";
  readonly #dir: string;
  readonly #path: string;
  readonly #fd: number;
  #text = "";

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.#dir = dir;
    this.#path = join(dir, "rejected.csv");
    this.#fd = openSync(`${this.#path}.partial`, "w");
    this.#text = `${RejectedFile.HEADER}\n`;
  }

  row(file: string, line: number, meterId: string, reason: string, raw: string): void {
    this.#text += `${line},${csv(meterId)},${reason},${csv(raw)},${csv(file)}\n`;
    if (this.#text.length >= 1 << 20) this.#flush();
  }

  close(summary: PublishSummary): void {
    this.#flush();
    closeSync(this.#fd);
    renameSync(`${this.#path}.partial`, this.#path);
    const tmp = join(this.#dir, "publish-summary.json.partial");
    const fd = openSync(tmp, "w");
    writeSync(fd, `${JSON.stringify(summary, null, 2)}\n`);
    closeSync(fd);
    renameSync(tmp, join(this.#dir, "publish-summary.json"));
  }

  discard(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
    rmSync(`${this.#path}.partial`, { force: true });
  }

  #flush(): void {
    if (this.#text.length > 0) writeSync(this.#fd, this.#text);
    this.#text = "";
  }
}
