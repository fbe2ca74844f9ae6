// `meterflow run`: reading files in, decisions out, state committed batch by batch.
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { GroupFiles } from "./run-progress.js";
import { checkInputHeaders, formatOf } from "./input-checks.js";
import { createConsumptionKernel } from "../consumption/index.js";
import type { ConsumptionImplementation } from "../consumption/index.js";
import { MeterflowError, unreadableReason } from "../errors.js";
import { canDecodeInWorker, createMeterIndex, readInputs, THREADS_FROM_BYTES } from "../ingest/index.js";
import { namingInput } from "../ingest/errors.js";
import { DecodingWorker } from "../ingest/threaded.js";
import type { WorkerInput } from "../ingest/threaded.js";
import type { ReadingFormat } from "../ingest/index.js";
import { checkRegistryHeader } from "../meters/index.js";
import { baselineWarning } from "../registry/baselines.js";
import { importRegistry, importSummary, REGISTERED } from "../registry/import.js";
import type { ImportSummary, RegistryImport } from "../registry/import.js";
import { createOutputFiles, otherFormatNames, outputNames } from "../sinks/files.js";
import { writeRegistryRejections } from "../sinks/meters-rejected.js";
import { prepareOutDir, removeCreated } from "../sinks/out-dir.js";
import type { OutDir } from "../sinks/out-dir.js";
import { acquireRunLock } from "./run-lock.js";
import type { RunLock } from "./run-lock.js";
import type { InputProgress } from "./run-progress.js";
import { createFormatter } from "../sinks/formatter.js";
import type { OutputFormat } from "../sinks/files.js";
import { BatchWriter } from "./writer.js";
import { canWriteInThread, inlineWriter, threadWriter } from "./writer-client.js";
import type { WriterClient } from "./writer-client.js";
import { Tally } from "./emit.js";
import { HeldIndex } from "../decide/held-index.js";
import { CommitBuilder } from "./commit.js";
import { EpisodeSync } from "./episodes.js";
import { FlagSync } from "./flags.js";
import { HistoryCache } from "./history-cache.js";
import { WorkingSet } from "./working-set.js";
import { createFacts } from "../rules/facts.js";
import { warnOnStderr } from "../decide/rules.js";
import type { RuleSetUse } from "../decide/rules.js";
import { StoreError } from "../store/errors.js";
import { checkStoreLocation } from "../store/location.js";
import { openStore } from "../store/open.js";
import { useStoreTimeZone } from "../store/time-zone.js";
import { timeZone } from "../time/current.js";
import { canDecideInThreads } from "../pool/threads.js";
import type { DecisionPool } from "../pool/pool.js";
import { BatchRunner } from "./batches.js";
import { loadDecisionSetup } from "./decision-setup.js";
import { routeByBucket } from "./bucket-window.js";
import { addCounts } from "../decide/output.js";
import type { BatchCounts } from "../decide/output.js";
import { readEventsBatch } from "./pulse-events.js";
import { channelIndex, scopedThresholds } from "../plugins/index.js";
import { ThresholdTracker } from "../../sdk/thresholds.js";
import { SensorStage } from "../decide/sensors.js";
import { channelRanges } from "../ingest/ranges.js";
import type { SensorStats } from "../decide/sensors.js";
import type { EventsInput } from "./pulse-events.js";

/**
 * Failpoint for the crash tests: the process kills itself (SIGKILL, no cleanup) right after
 * handing this many batches to the writer (their commits may or may not have landed: both cases
 * must rerun to the same outputs). Never set in production.
 */
const KILL_AFTER_BATCHES = Number(process.env.MF_FAILPOINT_KILL_AFTER_BATCHES ?? 0);

/**
 * Failpoint for the concurrent-run tests: once it holds the state and has recorded its run, the
 * run waits until this file exists (another run can then be started against it at leisure).
 * Never set in production.
 */
const HOLD_UNTIL_FILE = process.env.MF_FAILPOINT_HOLD_UNTIL_FILE;

/** Options of {@link runFiles}. */
export interface RunOptions {
  /** Reading files: CSV, NDJSON or msgpack, by extension (or all of `inputFormat`). */
  inputs: string[];
  /** The format of every reading file, whatever its extension. Default: by extension. */
  inputFormat?: ReadingFormat;
  /**
   * Raw pulse-event files (README "Pulse events"), processed after the reading files: each
   * becomes one reading per meter and UTC day it covers.
   */
  pulseEvents?: string[];
  /** The store: an SQLite state file (created when missing) or a `postgres://` URL. */
  db: string;
  /**
   * SQLite: a WriteTurn's buffer (store/sqlite/write-turn.ts). The run's connections let the
   * writers waiting on it go first before each write transaction: a job of `meterflow serve`
   * gives way to the server's own writes.
   */
  giveWayTo?: SharedArrayBuffer;
  /**
   * SQLite, writer thread: WAL pages after which its commits checkpoint (default
   * WRITER_WAL_PAGES, writer-client.ts; 0 never: the close then checkpoints the whole WAL).
   */
  writerWalPages?: number;
  /**
   * Kernel rows the decision takes at a time (DecideContext.runRows; default 4,096). The same
   * outcome for any value: the ledger law's tests decide in runs of a few rows.
   */
  decideRunRows?: number;
  /**
   * Rows routed by bucket together (default WINDOW: about a nightly file of a million meters,
   * whatever the files it spans). Tests give a few, so that a run's batches come back to buckets.
   */
  window?: number;
  /** Output directory (created when missing). */
  out: string;
  /** Meter registry to import (upsert) before the run. */
  meters?: string;
  /** Rule files deciding temp_bad, holds and alerts; the default rules when absent. */
  rules?: string[];
  /** Row files as CSV (default) or NDJSON. */
  format?: OutputFormat;
  /** Readings per batch (and per transaction). Default 65536. */
  batchSize?: number;
  /** Days after today an end date may lie before it is rejected as future_date. Default 1. */
  futureDays?: number;
  /**
   * The time zone days are counted in (UTC, `+01:00`, `Europe/Berlin`): a new store's; an
   * existing store must have it (MF_ERR_STORE_TIME_ZONE). Default: the store's own (UTC for a new one).
   */
  timeZone?: string;
  /** "Today", for tests. */
  now?: Date;
  implementation?: ConsumptionImplementation | "auto";
  /**
   * Decode and write in threads beside the decision (only from the compiled package: the
   * TypeScript sources run in one thread). Default: for inputs of 4 MiB or more.
   */
  threads?: boolean;
  /**
   * Threads deciding the batches (a piscina pool, engine/pool; only from the compiled package,
   * with `threads`): 2 or more decide that many batches at once, each batch's meters in order;
   * 0 or 1 (the default) decide in the run's main thread.
   */
  decisionThreads?: number;
  /**
   * The first input's decoding worker, started gated before the program loaded (the command line
   * does: engine/cli/early-decoder.ts). The run lets it read the store once its registry is
   * imported, and takes its batches when it decodes the same file with the same settings;
   * otherwise it stops it and decodes as usual.
   */
  decoder?: DecodingWorker;
  /**
   * Plugin configuration file (`{ "plugins": [...] }`, README "Plugins"); default
   * `./meterflow.config.json` when it exists. The built-in plugins are always loaded.
   */
  config?: string;
  /**
   * `false`: no built-in plugins (no meter types, no channels unless configured): the baseline
   * the plugins benchmark compares against. Default true.
   */
  builtinPlugins?: boolean;
  /** Called after every batch with the readings processed so far (awaited when it returns a promise). */
  onProgress?: (processed: number) => void | Promise<void>;
  /** Told what a person should know before the run (no hold rules, --rules replacing the defaults); default: stderr. */
  onWarning?: (message: string) => void;
  /** Told where each input file is (bytes read), and when it is done: for a progress display. */
  inputProgress?: InputProgress;
  /** Wait while another run holds the state, instead of refusing (MF_ERR_RUN_BUSY). */
  wait?: boolean;
  /** Told once when the run waits for another (`wait`), who holds the state. */
  onWait?: (holder: string) => void;
  /**
   * Told what the registry import did, with the rows it could not import (also written to
   * meters-rejected.csv in `out`).
   */
  onRegistry?: (imported: RegistryImport) => void;
}

/** summary.json. */
export interface RunSummary {
  run_id: number;
  in: number;
  billable: number;
  held: number;
  rejected: number;
  duplicates: number;
  corrections: number;
  /** Sensor rows: channel values only, no register value (checked, never billed). */
  sensor: number;
  conservation: "in = billable + held + rejected + duplicates + sensor";
  balanced: boolean;
  batches: number;
  /** Meters registered in the store, meters the run loaded (its batches' buckets), and what the import did. */
  meters: { registered: number; loaded: number; imported?: ImportSummary };
  inputs: Array<{ path: string; bytes: number; sha256: string; kind?: "pulse-events" } & Partial<EventsInput>>;
  seconds: number;
  readings_per_second: number;
  /** Alerts raised (alerts.csv): by rules, sensor thresholds and out-of-range channel values. */
  alerts: number;
  /** Alerts per rule. */
  alert_rules: Record<string, number>;
  /** The rules that decided: their version (a hash of their content) and files. */
  rules: { version: string; files: readonly string[]; sets: readonly RuleSetUse[] };
  /** Held readings per reason (a reading held for two reasons counts under both). */
  held_reasons: Record<string, number>;
  rejected_reasons: Record<string, number>;
  /** Billing records per flag. */
  billed_flags: Record<string, number>;
  /** Pulse readings per fault (open_circuit, ..., backflow), billed or held. */
  pulse_faults: Record<string, number>;
  /** Sensor channel values: judged, out of their physical range (alerted), late, threshold alerts. */
  sensors: SensorStats;
  /** The plugins loaded: name and version, built-ins first. */
  plugins: Array<{ name: string; version: string }>;
  /**
   * Seconds per stage of the main thread: setup (registry import, input hashes, state load),
   * decode (waiting for the next batch), validate, compute, output (formatting the lines),
   * commit (snapshotting state and waiting for the writer), flush (waiting for the last
   * batches' commits). The writer commits and writes the files beside these, in its own thread.
   */
  stage_seconds: { setup: number; decode: number; validate: number; compute: number; output: number; commit: number; flush: number };
  /** Peak resident memory of the process so far, in MiB. */
  peak_rss_mb: number;
}

/** A run that could not start or could not finish (not a bad reading: those are rejected). */
export class RunError extends MeterflowError {
  override name = "RunError";
  constructor(message: string, cause?: unknown) {
    super("MF_ERR_RUN", message, { cause });
  }
}

/**
 * Runs reading files through the store to the output files (README "`meterflow run`"). A batch
 * whose commit is fenced (another writer - a worker, an operator's release or manual reading -
 * committed a change to one of its meters after this run read their bucket; other meters' changes
 * are merged, engine/store/bucket-fence.ts) is decided again: the run starts over
 * on what the store now holds, adopting every batch already committed (as a rerun does). It goes
 * on as long as each attempt gets further than the one before; after FENCED_ATTEMPTS attempts in
 * a row that do not, it stops with MF_ERR_STORE_FENCED.
 */
export async function runFiles(options: RunOptions): Promise<RunSummary> {
  let furthest = -1;
  let stuck = 0;
  for (let attempt = 1; ; attempt++) {
    const reached = { batches: 0 };
    try {
      // An early decoder serves the first attempt only, and is stopped after it if it did not take it.
      return await runOnce(attempt === 1 ? options : { ...options, decoder: undefined }, reached)
        .finally(() => (attempt === 1 ? options.decoder?.terminate() : undefined));
    } catch (error) {
      if ((error as { code?: string }).code !== "MF_ERR_STORE_FENCED") throw error;
      if (reached.batches > furthest) {
        furthest = reached.batches;
        stuck = 0;
      }
      if (++stuck >= FENCED_ATTEMPTS) throw error;
      (options.onWarning ?? warnOnStderr)(`another writer committed to the store while this run was going: deciding again on what `
        + `it holds now, committed batches adopted (attempt ${attempt + 1})`);
    }
  }
}

/** Fenced attempts in a row that get no further before a run stops (runFiles). */
export const FENCED_ATTEMPTS = 5;

async function runOnce(options: RunOptions, reached: { batches: number }): Promise<RunSummary> {
  const started = performance.now();
  let decoder = options.decoder;
  // Inputs, options, plugins, rules and the output directory are all checked before anything is
  // written: a run that cannot go imports nothing, records no run and leaves no file behind.
  const stat = (path: string) => ({ path, bytes: inputBytes(path), sha256: "" });
  checkStoreLocation(options.db);
  const formats = options.inputs.map((path) => formatOf(path, options.inputFormat));
  const inputs: RunSummary["inputs"] = options.inputs.map(stat);
  const eventInputs = (options.pulseEvents ?? []).map((path) => ({ ...stat(path), kind: "pulse-events" as const }));
  if (options.meters !== undefined) inputBytes(options.meters, "meter registry");
  // Plugins, then rules: a plugin or rule file that does not load stops the run before anything is touched.
  const { plugins, pluginFacts, rules, threadPlugins } = await loadDecisionSetup(options);
  // Every header, from each file's first record only (a readings file's depends on the plugins'
  // channels): a file the run would refuse midway is refused before the store or out/ is touched.
  const channels = channelIndex(plugins);
  checkInputHeaders(inputs, formats, eventInputs, channels, "--input-format");
  if (options.meters !== undefined) checkRegistryHeader(options.meters);
  for (const warning of rules.warnings()) (options.onWarning ?? warnOnStderr)(warning);
  // The other format's row files too: they are removed when the outputs are published, so one that is a directory is refused now.
  const outNames = [...outputNames(options.format ?? "csv", options.meters !== undefined), ...otherFormatNames(options.format ?? "csv")];
  // A file the run reads is never one its outputs replace or remove (an input named billing.csv in --out).
  const read = [...options.inputs, ...(options.pulseEvents ?? []), ...(options.meters === undefined ? [] : [options.meters]), ...(options.rules ?? [])];
  let out: OutDir = prepareOutDir(options.out, outNames, read);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(options.db, { giveWayTo: options.giveWayTo, ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }) });
    useStoreTimeZone(store);
  } catch (error) {
    removeCreated(out);
    throw error;
  }
  let runId = -1;
  let writer: WriterClient | undefined;
  let lock: RunLock | undefined;
  let pool: DecisionPool | undefined;
  try {
    // A run that waits for another gives back the output directory it made while it waits (one
    // killed while waiting leaves none), and makes it again once the state is its own.
    let waited = false;
    lock = await acquireRunLock(options.db, store, {
      wait: options.wait,
      onWait: (holder) => {
        waited = true;
        removeCreated(out);
        options.onWait?.(holder);
      },
    });
    if (waited) out = prepareOutDir(options.out, outNames, read);
    await plugins.setup();
    runId = await store.startRun([...inputs, ...eventInputs]);
    while (HOLD_UNTIL_FILE !== undefined && !existsSync(HOLD_UNTIL_FILE)) await new Promise((resolve) => setTimeout(resolve, 20));
    let imported: ImportSummary | undefined;
    if (options.meters !== undefined) {
      const result = await importRegistry(store, options.meters, plugins);
      if (result.skipped !== true) writeRegistryRejections(options.out, result.rejections ?? []);
      if (result.baselinesIgnored !== undefined) (options.onWarning ?? warnOnStderr)(baselineWarning(result.baselinesIgnored));
      options.onRegistry?.(result);
      imported = importSummary(result);
    }
    // The registry is as this run will see it: an early decoding worker may read it from now on.
    decoder?.open();
    const registered = Number((await store.meta(REGISTERED)) ?? 0);
    // The run's working set: only the buckets its batches name are ever loaded.
    const ws = new WorkingSet(store);
    ws.expect(registered);
    const { meters, state } = ws;
    const kernel = createConsumptionKernel({ implementation: options.implementation ?? "auto" });
    const format = options.format ?? "csv";
    // Threads pay off on big inputs; a small night (a few MB) runs faster without starting two.
    const bytes = [...inputs, ...eventInputs].reduce((sum, i) => sum + i.bytes, 0);
    const threaded = (options.threads ?? (bytes >= THREADS_FROM_BYTES)) === true;
    const writeInThread = threaded && canWriteInThread();
    writer = writeInThread
      ? threadWriter({ db: options.db, giveWayTo: options.giveWayTo, walPages: options.writerWalPages, out: options.out, format, plugins: threadPlugins })
      : inlineWriter(new BatchWriter(store, createOutputFiles(options.out, format)));
    const tally = new Tally();
    const facts = createFacts();
    pluginFacts.clear(facts as Record<string, unknown>);
    const ranges = channelRanges(plugins.channels);
    const tracker = new ThresholdTracker(scopedThresholds(plugins));
    // Open threshold episodes outlive a run (a cold-chain excursion spans nightly files): each
    // meter's are read when a batch first names it, and committed with the batches that change them.
    const episodes = plugins.thresholds.length > 0 ? new EpisodeSync(store, tracker) : undefined;
    await episodes?.start();
    const sensors = new SensorStage(plugins.channels, ranges, tracker);
    const decisionThreads = threaded && canDecideInThreads() ? options.decisionThreads ?? 0 : 0;
    // The pool (piscina) is loaded only by a run that decides in threads.
    if (decisionThreads >= 2) {
      const { DecisionPool } = await import("../pool/pool.js");
      pool = new DecisionPool({ config: options.config, rules: options.rules, builtinPlugins: options.builtinPlugins, timeZone: store.timeZone }, decisionThreads);
    }
    const processor = new BatchRunner({
      store, ws, meters, state, kernel, writer, format: createFormatter(format), tally, runId, history: new HistoryCache(store, ws), pool,
      heldIndex: new HeldIndex(store, state, meters.ids), flags: new FlagSync(store, ws),
      commits: await CommitBuilder.create(store, ws, runId, rules.version, episodes), episodes,
      rules, facts, sensors, ranges, pluginFacts, ...(options.decideRunRows === undefined ? {} : { runRows: options.decideRunRows }),
    });
    const maxEndDay = timeZone().dayOf((options.now ?? new Date()).getTime()) + (options.futureDays ?? 1);
    const index = createMeterIndex();
    const decodeInWorker = threaded && canDecodeInWorker();
    const total: BatchCounts = { rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 };
    let seq = 0;
    let decode = 0;
    const setup = performance.now() - started;
    const progress = options.inputProgress;
    progress?.begin([...inputs, ...eventInputs].map((i) => ({ path: i.path, bytes: i.bytes })));
    const batchSize = options.batchSize ?? 65536;
    // The reading files are read in the order given and routed together (a window of rows spans
    // files: a night in many files is decided as in one), decoded in a worker thread or here.
    if (inputs.length > 0) {
      const inputsStarted = performance.now();
      let waited = inputsStarted;
      const paths = inputs.map((input) => input.path);
      const workerInput: Omit<WorkerInput, "ahead" | "gated"> | undefined = decodeInWorker
        ? { path: paths[0], ...(paths.length > 1 ? { more: paths.slice(1) } : {}), ...(options.inputFormat === undefined ? {} : { format: options.inputFormat }),
          ...(options.window === undefined ? {} : { window: options.window }), batchSize, maxEndDay, plugins: threadPlugins, db: options.db, timeZone: store.timeZone }
        : undefined;
      // Its worker: the early one when it decodes what this run asks, or a new one.
      let worker: DecodingWorker | undefined;
      if (decoder !== undefined && workerInput !== undefined && sameDecoding(decoder.input, workerInput)) worker = decoder;
      else void decoder?.terminate();
      decoder = undefined;
      if (workerInput !== undefined) worker ??= new DecodingWorker(workerInput);
      // Files decoded here are hashed from the bytes as they are decoded, not by a second read.
      const hashes = paths.map(() => createHash("sha256"));
      const read = paths.map(() => 0);
      let reading = 0;
      // Rows per file, and for the progress display how far into each file the batches are.
      const perFile = new GroupFiles(inputs, worker !== undefined && progress !== undefined);
      const batches = worker !== undefined ? worker.batches((hex) => inputs.forEach((input, k) => (input.sha256 = hex[k])), (hashes) => ws.prefetch(hashes))
        : routeByBucket(readInputs(paths, { ...(options.inputFormat === undefined ? {} : { format: options.inputFormat }), batchSize, maxEndDay, meters: index, channels,
          onBytes: (file, chunk) => {
            hashes[file].update(chunk);
            read[file] += chunk.length;
            reading = file;
          } }), { partitions: store.partitions, batchSize, meters: index, ...(options.window === undefined ? {} : { window: options.window }) });
      for await (const batch of batches) {
        decode += performance.now() - waited;
        const finished = await processor.pipeline(batch, seq++, paths);
        reached.batches = seq;
        if (seq === KILL_AFTER_BATCHES) process.kill(process.pid, "SIGKILL");
        for (const counts of finished) addCounts(total, counts);
        if (finished.length > 0) await options.onProgress?.(total.rows);
        perFile.add(batch);
        if (progress !== undefined) {
          if (worker === undefined) progress.advance(paths[reading], read[reading], total.rows);
          else for (const [path, bytes] of perFile.reached()) progress.advance(path, bytes, total.rows);
        }
        waited = performance.now();
      }
      const drained = await processor.drain();
      for (const counts of drained) addCounts(total, counts);
      if (drained.length > 0) await options.onProgress?.(total.rows);
      if (worker === undefined) inputs.forEach((input, k) => (input.sha256 = hashes[k].digest("hex")));
      // The files are done together: their rows were decided together.
      const seconds = (performance.now() - inputsStarted) / 1000;
      inputs.forEach((done, f) => progress?.fileDone(done.path, { bytes: done.bytes, rows: perFile.rows[f], seconds }));
    }
    // The events files, reduced together per meter and day and decided in one batch (a logger's
    // days in several files, in any order, a day split over two: pulse-events.ts).
    if (eventInputs.length > 0) {
      const waited = performance.now();
      const hashes = eventInputs.map(() => createHash("sha256"));
      let reading = 0;
      const { batch, stats } = await readEventsBatch(eventInputs.map((i) => i.path), meters, {
        maxEndDay, onFile: (file) => (reading = file), onBytes: (chunk, file) => hashes[file].update(chunk), load: (ids) => ws.load(ids),
      }).catch((error: unknown) => Promise.reject(namingInput(error, eventInputs[reading].path)));
      eventInputs.forEach((input, f) => {
        input.sha256 = hashes[f].digest("hex");
        Object.assign(input, stats[f]);
        inputs.push(input);
      });
      decode += performance.now() - waited;
      const counts = await processor.process(batch, seq++, eventInputs.length === 1 ? eventInputs[0].path : eventInputs.map((i) => i.path));
      reached.batches = seq;
      addCounts(total, counts);
      await options.onProgress?.(total.rows);
      const seconds = (performance.now() - waited) / 1000;
      eventInputs.forEach((input, f) => progress?.fileDone(input.path, { bytes: input.bytes, rows: stats[f].readings, events: stats[f].events + stats[f].samples + stats[f].rejected, seconds }));
    }
    progress?.end();
    const ms = (x: number) => Math.round(x) / 1000;
    const flushing = performance.now();
    await writer.flush();
    const stages = { setup: ms(setup), decode: ms(decode), flush: ms(performance.now() - flushing), ...Object.fromEntries(Object.entries(processor.stages).map(([k, v]) => [k, ms(v)])) };
    const seconds = (performance.now() - started) / 1000;
    const summary: RunSummary = {
      run_id: runId, in: total.rows, billable: total.billable, held: total.held, rejected: total.rejected,
      duplicates: total.duplicates, sensor: total.sensor, corrections: total.corrections,
      conservation: "in = billable + held + rejected + duplicates + sensor",
      balanced: total.rows === total.billable + total.held + total.rejected + total.duplicates + total.sensor,
      batches: seq, meters: { registered, loaded: ws.size, ...(imported === undefined ? {} : { imported }) },
      inputs, seconds: Math.round(seconds * 1000) / 1000, readings_per_second: Math.round(total.rows / seconds),
      alerts: tally.alerts, alert_rules: sorted(tally.alertRules), rules: { version: rules.version, files: rules.files, sets: rules.sets },
      held_reasons: sorted(tally.held), rejected_reasons: sorted(tally.rejected), billed_flags: sorted(tally.flags),
      pulse_faults: sorted(processor.pulseFaults),
      sensors: { ...sensors.stats },
      plugins: plugins.plugins.map((p) => ({ name: p.name, version: p.version })),
      stage_seconds: stages as RunSummary["stage_seconds"], peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (!summary.balanced) throw new RunError(`readings do not balance: ${JSON.stringify(total)}`);
    await writer.close(summary);
    await store.finishRun(runId, "finished", summary, inputs);
    return summary;
  } catch (caught) {
    options.inputProgress?.end();
    const error = explain(caught);
    const left = await abortOutputs(writer, options.out);
    if (runId >= 0) await store.finishRun(runId, "failed", { error: error.message }).catch(() => undefined);
    removeCreated(out);
    if (left.length > 0) throw new RunError(`${error.message}; partial outputs left in ${options.out}: ${left.join(", ")}`, error);
    throw error;
  } finally {
    await pool?.close();
    await lock?.release();
    await store.close();
    await plugins.teardown();
  }
}

/** Drops the failed run's partial outputs; the names of any still there (to say where they are). */
async function abortOutputs(writer: WriterClient | undefined, out: string): Promise<string[]> {
  await writer?.abort().catch(() => undefined);
  try {
    return readdirSync(out).filter((name) => name.endsWith(".partial"));
  } catch {
    return [];
  }
}

/** The size of an input file, or a one-line RunError (`MF_ERR_RUN`) when it cannot be read. */
function inputBytes(path: string, what = "input"): number {
  try {
    const s = statSync(path);
    if (!s.isFile()) throw new Error("not a file");
    accessSync(path, constants.R_OK);
    return s.size;
  } catch (error) {
    throw new RunError(`cannot read ${what} ${path}: ${unreadableReason(error)}`, error);
  }
}


/** A fenced commit, said as a person running the command needs it (the code stays). */
function explain(error: unknown): Error {
  const e = error as Error & { code?: string };
  if (e.code !== "MF_ERR_STORE_FENCED") return e;
  return new StoreError("MF_ERR_STORE_FENCED", `other writers committed to the store while this run was going, ${FENCED_ATTEMPTS} attempts in a row without getting further; `
    + `the batch refused last was not written and nothing of it is in the outputs: run the same command again to go on (${e.message})`, error);
}

/** Whether an early decoding worker decodes what this run would ask of one. */
function sameDecoding(a: WorkerInput, b: Omit<WorkerInput, "ahead" | "gated">): boolean {
  return a.path === b.path && JSON.stringify(a.more ?? []) === JSON.stringify(b.more ?? []) && a.format === b.format && a.window === b.window
    && a.batchSize === b.batchSize
    && a.maxEndDay === b.maxEndDay && a.db === b.db && (a.timeZone ?? "UTC") === (b.timeZone ?? "UTC") && JSON.stringify(a.plugins) === JSON.stringify(b.plugins);
}



function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
}
