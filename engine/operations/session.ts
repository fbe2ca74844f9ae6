// A batch of one, decided and committed on its meter's partition (DESIGN.md "Control goes
// through the same path"): the same slice loading, decision and fenced commit as a run's
// batches, with the lines it produced kept in memory for the caller. Operator actions (a
// release, later a manual reading) are such batches; flags are plain store writes.
import { createHash } from "node:crypto";
import { createConsumptionKernel } from "../consumption/index.js";
import type { ConsumptionKernel } from "../consumption/index.js";
import { HeldIndex } from "../decide/held-index.js";
import type { BatchCounts } from "../decide/output.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { createMeterIndex } from "../ingest/meter-index.js";
import { channelRanges } from "../ingest/ranges.js";
import { SensorStage } from "../decide/sensors.js";
import { createFacts } from "../rules/facts.js";
import { BatchRunner } from "../runtime/batches.js";
import { CommitBuilder } from "../runtime/commit.js";
import { loadDecisionSetup } from "../runtime/decision-setup.js";
import type { DecisionSetup, DecisionSetupOptions } from "../runtime/decision-setup.js";
import { Tally } from "../runtime/emit.js";
import { EpisodeSync } from "../runtime/episodes.js";
import { FlagSync } from "../runtime/flags.js";
import { HistoryCache } from "../runtime/history-cache.js";
import { WorkingSet } from "../runtime/working-set.js";
import type { WriterClient } from "../runtime/writer-client.js";
import type { EncodedLines, WriteJob } from "../runtime/writer.js";
import { createFormatter } from "../sinks/formatter.js";
import { scopedThresholds } from "../plugins/index.js";
import { ThresholdTracker } from "../../sdk/thresholds.js";
import type { PartitionedStore } from "../store/contract.js";
import { openStore } from "../store/open.js";
import { OperationError } from "./errors.js";

/** One reading for a batch of one: as it arrived (codes as in engine/ingest/reasons.ts). */
export interface SingleReading {
  meterId: string;
  endDay: number;
  value: number;
  override: number;
  source: number;
  verification: number;
}

/** What a batch of one decided: its counts and its output rows (billing, held, alerts) as objects. */
export interface SingleDecision {
  batchId: string;
  /** "duplicate" when the same batch was committed before (nothing changed). */
  commit: "committed" | "duplicate";
  counts: BatchCounts;
  billing: Array<Record<string, unknown>>;
  held: Array<Record<string, unknown>>;
  alerts: Array<Record<string, unknown>>;
}

export interface OperationsOptions extends DecisionSetupOptions {
  /** The store: an open one (kept open by `close`), or an SQLite path / postgres:// URL to open. */
  db: string | PartitionedStore;
}

/** A fenced commit is retried on a fresh slice this many times before giving up. */
const ATTEMPTS = 5;

export class OperationSession {
  readonly store: PartitionedStore;
  readonly #setup: DecisionSetup;
  readonly #kernel: ConsumptionKernel;
  readonly #ownsStore: boolean;

  private constructor(store: PartitionedStore, setup: DecisionSetup, ownsStore: boolean) {
    this.store = store;
    this.#setup = setup;
    this.#ownsStore = ownsStore;
    this.#kernel = createConsumptionKernel({ implementation: "auto" });
  }

  /** Loads plugins and rules (errors before the store is touched), then opens the store. */
  static async open(options: OperationsOptions): Promise<OperationSession> {
    const setup = await loadDecisionSetup(options);
    await setup.plugins.setup();
    const store = typeof options.db === "string" ? await openStore(options.db) : options.db;
    return new OperationSession(store, setup, typeof options.db === "string");
  }

  /** The rules deciding (version and files). */
  get rules(): { version: string; files: readonly string[] } {
    return { version: this.#setup.rules.version, files: this.#setup.rules.files };
  }

  /**
   * Decides `reading` as a batch of one and commits it. `release` marks it as an operator's
   * release of the held reading it repeats. `label` names the batch (its id is a hash of it).
   * A commit fenced by another writer is decided again on a fresh slice.
   */
  async decideOne(reading: SingleReading, label: string, release?: { reason: string; actor: string }): Promise<SingleDecision> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(reading, label, release);
      } catch (error) {
        if ((error as { code?: string }).code !== "MF_ERR_STORE_FENCED") throw error;
        if (attempt >= ATTEMPTS) {
          throw new OperationError("MF_ERR_OPERATION_CONTENDED",
            `meter ${reading.meterId}: other writers committed to its partition ${ATTEMPTS} times while this was decided; try again`, { cause: error });
        }
      }
    }
  }

  async #attempt(reading: SingleReading, label: string, release?: { reason: string; actor: string }): Promise<SingleDecision> {
    const { store } = this;
    const { plugins, pluginFacts, rules } = this.#setup;
    const ws = new WorkingSet(store);
    const { meters, state } = ws;
    const tracker = new ThresholdTracker(scopedThresholds(plugins));
    const episodes = plugins.thresholds.length > 0 ? new EpisodeSync(store, tracker) : undefined;
    await episodes?.start();
    const ranges = channelRanges(plugins.channels);
    const facts = createFacts();
    pluginFacts.clear(facts as Record<string, unknown>);
    const writer = memoryWriter(store, release === undefined ? undefined : refuseUnreleased(reading));
    const runner = new BatchRunner({
      store, ws, meters, state, kernel: this.#kernel, writer, format: createFormatter("ndjson"), tally: new Tally(), runId: 0,
      history: new HistoryCache(store, ws), heldIndex: new HeldIndex(store, state, meters.ids), flags: new FlagSync(store, ws),
      commits: await CommitBuilder.create(store, ws, 0, rules.version, episodes), episodes,
      rules, facts, sensors: new SensorStage(plugins.channels, ranges, tracker), ranges, pluginFacts,
    });
    const batch = batchOfOne(reading, label, release);
    const counts = await runner.process(batch, 0, label);
    await writer.flush();
    const lines = writer.lines();
    return {
      batchId: batch.batchId!, commit: writer.result ?? "duplicate", counts,
      billing: parseLines(lines.billing), held: parseLines(lines.held), alerts: parseLines(lines.alerts),
    };
  }

  async close(): Promise<void> {
    if (this.#ownsStore) await this.store.close();
    await this.#setup.plugins.teardown();
  }
}

/** A ReadingBatch of one row, its id a hash of `label` (so the same operation is one batch). */
function batchOfOne(r: SingleReading, label: string, release?: { reason: string; actor: string }): ReadingBatch {
  const meters = createMeterIndex();
  const meter = meters.intern(r.meterId);
  const raw = JSON.stringify({ meter_id: r.meterId, end_day: r.endDay, value: r.value });
  return {
    length: 1,
    line: Float64Array.of(1),
    meter: Int32Array.of(meter),
    end: Int32Array.of(r.endDay),
    value: Float64Array.of(r.value),
    override: Float64Array.of(r.override),
    source: Uint8Array.of(r.source),
    verification: Uint8Array.of(r.verification),
    reject: new Uint8Array(1),
    rejectedRaw: new Map(),
    rawOf: () => raw,
    meters,
    batchId: createHash("sha256").update(label).digest("hex"),
    ...(release === undefined ? {} : { release: { rows: Uint8Array.of(1), ...release } }),
  };
}

/** A release that the decision did not bill is refused before anything is committed. */
function refuseUnreleased(reading: SingleReading): (job: WriteJob) => void {
  return (job) => {
    if (job.kind !== "commit" || (job.commit.released?.length ?? 0) > 0) return;
    const held = parseLines(job.lines.held)[0];
    const reasons = held === undefined ? "it is a duplicate of a reading in the chain" : `it would be held again: ${String(held.reasons)}`;
    throw new OperationError("MF_ERR_RELEASE_REFUSED", `cannot release ${reading.meterId} ${held?.end ?? ""}: ${reasons}`.replace("  ", " "));
  };
}

/**
 * A writer that commits each job to the store and keeps its lines in memory; `guard` may refuse
 * a job (throw) before it is committed.
 */
function memoryWriter(store: PartitionedStore, guard?: (job: WriteJob) => void): WriterClient & { result?: "committed" | "duplicate"; lines(): EncodedLines } {
  let chain = Promise.resolve();
  let failure: unknown;
  const kept: EncodedLines[] = [];
  const writer = {
    result: undefined as "committed" | "duplicate" | undefined,
    submit(job: WriteJob) {
      if (failure !== undefined) throw failure;
      chain = chain.then(async () => {
        guard?.(job);
        if (job.kind === "commit") writer.result = await store.commit(job.commit);
        kept.push({ billing: job.lines.billing.slice(), held: job.lines.held.slice(), rejected: job.lines.rejected.slice(), alerts: job.lines.alerts.slice() });
      }).catch((error: unknown) => {
        failure ??= error;
      });
    },
    async ready() {
      await chain;
    },
    async flush() {
      await chain;
      if (failure !== undefined) throw failure;
    },
    async close() {
      await writer.flush();
    },
    async abort() {},
    lines(): EncodedLines {
      const join = (key: keyof EncodedLines) => Buffer.concat(kept.map((k) => k[key]));
      return { billing: join("billing"), held: join("held"), rejected: join("rejected"), alerts: join("alerts") };
    },
  };
  return writer;
}

function parseLines(bytes: Uint8Array): Array<Record<string, unknown>> {
  return Buffer.from(bytes).toString("utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Record<string, unknown>);
}
