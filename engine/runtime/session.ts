// One batch at a time on fresh slices (DESIGN.md "Control goes through the same path"): the
// same slice loading, decision and fenced commit as a run's batches, each batch on a working set
// of its own, so a long-lived process (a worker, an API server) never trusts a stale cache. A
// commit another writer fenced is decided again on a fresh slice. The lines a batch produced are
// kept in memory for the caller (printed, answered, or published after commit).
import { createConsumptionKernel } from "../consumption/index.js";
import type { ConsumptionKernel } from "../consumption/index.js";
import { HeldIndex } from "../decide/held-index.js";
import type { BatchCounts } from "../decide/output.js";
import { SensorStage } from "../decide/sensors.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { channelRanges } from "../ingest/ranges.js";
import { scopedThresholds } from "../plugins/index.js";
import { createFacts } from "../rules/facts.js";
import { createFormatter } from "../sinks/formatter.js";
import type { DecisionPool } from "../pool/pool.js";
import type { PartitionedStore, PhotoRecord } from "../store/contract.js";
import { ThresholdTracker } from "../../sdk/thresholds.js";
import { BatchRunner } from "./batches.js";
import type { ProcessorContext } from "./context.js";
import { CommitBuilder } from "./commit.js";
import type { DecisionSetup } from "./decision-setup.js";
import { Tally } from "./emit.js";
import { EpisodeSync } from "./episodes.js";
import { FlagSync } from "./flags.js";
import { HistoryCache } from "./history-cache.js";
import { WorkingSet } from "./working-set.js";
import type { WriterClient } from "./writer-client.js";
import type { EncodedLines, WriteJob } from "./writer.js";

/** What a batch decided: its commit's outcome, its counts, and its output lines (NDJSON). */
export interface SessionDecision {
  /** "duplicate": the same batch id was committed before (nothing changed; no lines). */
  commit: "committed" | "duplicate";
  counts: BatchCounts;
  lines: EncodedLines;
}

/** May refuse a batch's commit (throw) after it is decided and before anything is written. */
export type CommitGuard = (job: WriteJob) => void;

export interface DecideOptions {
  guard?: CommitGuard;
  /** Photos the batch's readings came with: stored in its commit (nothing stored when it is refused or a duplicate). */
  photos?: PhotoRecord[];
  /** Sees the loaded slice before the decision and may refuse the batch (ProcessorContext.inspect). */
  inspect?: ProcessorContext["inspect"];
}

/** Fenced commits are decided again this many times before the error reaches the caller. */
const ATTEMPTS = 5;

export class DecisionSession {
  readonly store: PartitionedStore;
  readonly setup: DecisionSetup;
  readonly #kernel: ConsumptionKernel;
  readonly #pool: DecisionPool | undefined;
  #noLegacyEpisodes = false;

  /** With `pool`, batches are decided in its threads (several sessions' batches in parallel). */
  constructor(store: PartitionedStore, setup: DecisionSetup, pool?: DecisionPool) {
    this.store = store;
    this.setup = setup;
    this.#pool = pool;
    this.#kernel = createConsumptionKernel({ implementation: "auto" });
  }

  /**
   * Decides `batch` (its `batchId` set: the same content, the same id) and commits it; `input`
   * labels it in the store. Rejects with the last MF_ERR_STORE_FENCED after ATTEMPTS tries.
   */
  async decide(batch: ReadingBatch, input: string, options: DecideOptions = {}): Promise<SessionDecision> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(batch, input, options);
      } catch (error) {
        if ((error as { code?: string }).code !== "MF_ERR_STORE_FENCED" || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  async #attempt(batch: ReadingBatch, input: string, options: DecideOptions): Promise<SessionDecision> {
    const { store } = this;
    const { plugins, pluginFacts, rules } = this.setup;
    const ws = new WorkingSet(store);
    const { meters, state } = ws;
    const tracker = new ThresholdTracker(scopedThresholds(plugins));
    const episodes = plugins.thresholds.length > 0 ? new EpisodeSync(store, tracker) : undefined;
    // No store this version writes has the earlier versions' whole-tracker snapshot: once found
    // absent, it is not looked for again (a round trip per batch of one on PostgreSQL).
    if (episodes !== undefined && !this.#noLegacyEpisodes) this.#noLegacyEpisodes = !(await episodes.start());
    const ranges = channelRanges(plugins.channels);
    const facts = createFacts();
    pluginFacts.clear(facts as Record<string, unknown>);
    const writer = memoryWriter(store, options);
    const runner = new BatchRunner({
      store, ws, meters, state, kernel: this.#kernel, writer, format: createFormatter("ndjson"), tally: new Tally(), runId: 0,
      history: new HistoryCache(store, ws), heldIndex: new HeldIndex(store, state, meters.ids), flags: new FlagSync(store, ws),
      commits: await CommitBuilder.create(store, ws, 0, rules.version, episodes), episodes,
      rules, facts, sensors: new SensorStage(plugins.channels, ranges, tracker), ranges, pluginFacts, batchCapacity: Math.max(64, batch.length),
      ...(this.#pool === undefined ? {} : { pool: this.#pool }),
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    try {
      // A batch is decided once per attempt: the rejections the registry checks add are its own.
      const counts = await runner.process({ ...batch, reject: batch.reject.slice() }, 0, input);
      await writer.flush();
      return { commit: writer.result ?? "duplicate", counts, lines: writer.lines() };
    } finally {
      runner.release();
    }
  }
}

/** The rows of NDJSON lines. */
export function parseLines(bytes: Uint8Array): Array<Record<string, unknown>> {
  return Buffer.from(bytes).toString("utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A writer that commits each job (with `photos`) to the store and keeps its lines in memory; `guard` may refuse a job. */
function memoryWriter(store: PartitionedStore, { guard, photos }: DecideOptions): WriterClient & { result?: "committed" | "duplicate"; lines(): EncodedLines } {
  let chain = Promise.resolve();
  let failure: unknown;
  const kept: EncodedLines[] = [];
  const writer = {
    result: undefined as "committed" | "duplicate" | undefined,
    submit(job: WriteJob) {
      if (failure !== undefined) throw failure;
      chain = chain.then(async () => {
        guard?.(job);
        // A photo is kept with the reading it came with: a batch whose readings were all rejected keeps none.
        const { counts } = job.kind === "commit" ? job.commit : { counts: undefined };
        const keep = photos !== undefined && counts !== undefined && counts.rows > counts.rejected;
        if (job.kind === "commit") writer.result = await store.commit(keep ? { ...job.commit, photos } : job.commit);
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
