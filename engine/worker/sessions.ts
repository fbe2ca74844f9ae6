// A worker's decision sessions, one per partition, kept from one message to the next: the
// partition's working set (registry and state columns, id index), its held readings, history and
// buffers stay loaded, so a partition's second and later batches load nothing that is already
// there (the way `meterflow run` keeps one working set for all its batches). The cache is never
// a second source of truth (DESIGN.md "Partitions keep order and give one writer"): before each
// batch the store's version of the partition and its registry generation (REGISTRY_GENERATION,
// which every registry write changes in its transaction) are read, and a session
// whose partition moved on without it (another worker's commit, an operator's release or manual
// reading, a registry import) is dropped and the batch decided on a fresh slice. Its commit is
// fenced as ever, so a change that lands between that check and the commit rejects the commit;
// the session is then dropped and the batch decided again from the store.
import type { ConsumptionKernel } from "../consumption/index.js";
import { createConsumptionKernel } from "../consumption/index.js";
import { HeldIndex } from "../decide/held-index.js";
import { DecisionScratch } from "../decide/scratch.js";
import { SensorStage } from "../decide/sensors.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { channelRanges } from "../ingest/ranges.js";
import { scopedThresholds } from "../plugins/index.js";
import type { DecisionPool } from "../pool/pool.js";
import { REGISTERED } from "../registry/import.js";
import { REGISTRY_GENERATION } from "../store/contract.js";
import { createFacts } from "../rules/facts.js";
import { BatchRunner } from "../runtime/batches.js";
import type { BatchInput } from "../runtime/batches.js";
import { CommitBuilder } from "../runtime/commit.js";
import type { ProcessorContext } from "../runtime/context.js";
import type { DecisionSetup } from "../runtime/decision-setup.js";
import { Tally } from "../runtime/emit.js";
import { EpisodeSync } from "../runtime/episodes.js";
import { FlagSync } from "../runtime/flags.js";
import { HistoryCache } from "../runtime/history-cache.js";
import type { SessionDecision } from "../runtime/session.js";
import { WorkingSet } from "../runtime/working-set.js";
import type { WriterClient } from "../runtime/writer-client.js";
import type { EncodedLines, WriteJob } from "../runtime/writer.js";
import type { Commit, PartitionedStore } from "../store/contract.js";
import { createFormatter } from "../sinks/formatter.js";
import type { RowFormatter } from "../sinks/formatter.js";
import { ThresholdTracker } from "../../sdk/thresholds.js";

/** A fenced commit is decided again (on a fresh session) this many times before the error reaches the caller. */
const ATTEMPTS = 5;

/** Meters kept loaded over all partitions by default; past it, the least recently used partitions are dropped. */
const MAX_METERS = 2_000_000;

/** History entries a partition's session keeps for the late path (about 150 bytes each). */
const HISTORY_ENTRIES = 250_000;

export interface PartitionSessionsOptions {
  /** Meters kept loaded over all partitions (default 2,000,000). */
  maxMeters?: number;
  /** How output rows are formatted (default NDJSON, what the output subjects carry). */
  format?: RowFormatter;
}

/** One partition's session: what a run keeps for its batches, for this partition only. */
interface Session {
  partition: number;
  ctx: ProcessorContext;
  runner: BatchRunner;
  writer: SessionWriter;
  /** The partition's version this session expects in the store (its own commits move it). */
  version: number;
  /** The registry generation its buckets were loaded under. */
  digest: string | undefined;
  /** Whether its working set has room for the partition's share of the registry. */
  reserved: boolean;
  /** While a batch is being decided on it (other partitions' batches run meanwhile): never evicted. */
  busy: boolean;
}

/** What the sessions did, for tests and benches. */
export interface SessionStats {
  /** Sessions started (the first batch of a partition, or after one was dropped). */
  started: number;
  /** Sessions dropped because the store moved on without them (another writer, a registry import). */
  stale: number;
  /** Sessions dropped to stay within maxMeters. */
  evicted: number;
  /** Batches decided on a session kept from an earlier batch. */
  reused: number;
}

export class PartitionSessions {
  readonly store: PartitionedStore;
  readonly setup: DecisionSetup;
  readonly stats: SessionStats = { started: 0, stale: 0, evicted: 0, reused: 0 };
  readonly #pool: DecisionPool | undefined;
  readonly #kernel: ConsumptionKernel;
  /** The deciders' scratch, shared by every session's decider (they decide one batch at a time, in this thread). */
  readonly #scratch: DecisionScratch;
  readonly #format: RowFormatter;
  readonly #maxMeters: number;
  /** The registry's meter count, read again when its generation changes (a `meters import`). */
  #registered: { digest: string | undefined; count: number } | undefined;
  /** Sessions in least recently used order (a use re-inserts). */
  readonly #sessions = new Map<number, Session>();

  constructor(store: PartitionedStore, setup: DecisionSetup, pool?: DecisionPool, options: PartitionSessionsOptions = {}) {
    this.store = store;
    this.setup = setup;
    this.#pool = pool;
    this.#kernel = createConsumptionKernel({ implementation: "auto" });
    this.#scratch = new DecisionScratch(this.#kernel);
    this.#format = options.format ?? createFormatter("ndjson");
    this.#maxMeters = options.maxMeters ?? MAX_METERS;
  }

  /**
   * Decides `batch` (every meter of it on `partition`, its `batchId` set) and commits it; `input`
   * labels it in the store. The lines returned are views valid until the partition's next batch.
   * Rejects with the last MF_ERR_STORE_FENCED after ATTEMPTS tries.
   */
  async decide(partition: number, batch: ReadingBatch, input: BatchInput): Promise<SessionDecision> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.#session(partition, batch.length);
      session.busy = true;
      try {
        const decision = await this.#attempt(session, batch, input);
        // A duplicate: another writer committed this batch (a redelivery), so the store moved on
        // without this session: start afresh next time.
        if (decision.commit === "duplicate") this.#drop(partition);
        return decision;
      } catch (error) {
        this.#drop(partition);
        if ((error as { code?: string }).code !== "MF_ERR_STORE_FENCED" || attempt >= ATTEMPTS) throw error;
      } finally {
        session.busy = false;
        // Its working set grew with the batch: within maxMeters again, this session kept if it can be.
        this.#evict(session);
      }
    }
  }

  /** Drops every session (their WebAssembly memory goes back). */
  close(): void {
    for (const p of [...this.#sessions.keys()]) this.#drop(p);
    this.#scratch.release();
  }

  /** The partition's session, checked against the store: kept if the store did not move on without it. */
  async #session(partition: number, rows: number): Promise<Session> {
    const [versions, digest] = await Promise.all([this.store.versions(), this.store.meta(REGISTRY_GENERATION)]);
    const kept = this.#sessions.get(partition);
    if (kept !== undefined) {
      this.#sessions.delete(partition);
      if (kept.version === versions[partition] && kept.digest === digest) {
        this.#sessions.set(partition, kept);
        this.stats.reused++;
        if (!kept.reserved) await this.#reserve(kept);
        return kept;
      }
      kept.runner.release();
      this.stats.stale++;
    }
    this.#evict();
    const session = await this.#start(partition, versions[partition], digest, rows);
    this.#sessions.set(partition, session);
    this.stats.started++;
    return session;
  }

  async #start(partition: number, version: number, digest: string | undefined, rows: number): Promise<Session> {
    const { store } = this;
    const { plugins, pluginFacts, rules } = this.setup;
    const ws = new WorkingSet(store);
    // A load makes room for its buckets' share of the registry at once (not grown by doubling).
    ws.expect(await this.#registeredCount(digest));
    const tracker = new ThresholdTracker(scopedThresholds(plugins));
    const episodes = plugins.thresholds.length > 0 ? new EpisodeSync(store, tracker) : undefined;
    await episodes?.start();
    const ranges = channelRanges(plugins.channels);
    const facts = createFacts();
    pluginFacts.clear(facts as Record<string, unknown>);
    const writer = new SessionWriter(store);
    // Buckets are fenced at the versions read with their BLOBs; if the partition moved between
    // `version` and those reads, the next check drops the session (never a stale one kept).
    const commits = await CommitBuilder.create(store, ws, 0, rules.version, episodes);
    const ctx: ProcessorContext = {
      store, ws, meters: ws.meters, state: ws.state, kernel: this.#kernel, scratch: this.#scratch, writer, format: this.#format, tally: new Tally(), runId: 0,
      history: new HistoryCache(store, ws, HISTORY_ENTRIES), heldIndex: new HeldIndex(store, ws.state, ws.meters.ids), flags: new FlagSync(store, ws),
      commits, episodes, rules, facts, sensors: new SensorStage(plugins.channels, ranges, tracker), ranges, pluginFacts,
      // The batch buffers start at the first batch's size (a partition's messages are alike) and grow.
      batchCapacity: Math.max(64, rows),
      // One batch at a time (decided, committed, published, then the next): one set of buffers.
      batchesAtOnce: 1,
      ...(this.#pool === undefined ? {} : { pool: this.#pool }),
    };
    return { partition, ctx, runner: new BatchRunner(ctx), writer, version, digest, reserved: false, busy: false };
  }

  async #attempt(session: Session, batch: ReadingBatch, input: BatchInput): Promise<SessionDecision> {
    const { ctx, writer } = session;
    // Flags the rules set in earlier batches are in the store's flags table now (committed with
    // them): read from there with the rest, so an operator's clear since then is seen.
    ctx.flags = new FlagSync(this.store, ctx.ws);
    writer.reset();
    // A batch is decided once per attempt: the rejections the registry checks add are its own.
    const counts = await session.runner.process({ ...batch, reject: batch.reject.slice() }, 0, input);
    await writer.flush();
    const commit = writer.committed;
    if (commit !== undefined) this.#committed(session, commit);
    return { commit: writer.result ?? "duplicate", counts, lines: writer.lines };
  }

  /**
   * Moves the session on with its own commit: the store moved the partition's version by one and
   * each fenced bucket to its fence version + 1. Those are the versions the next batch is fenced
   * at; they hold only if no other writer committed in between, which the partition's version
   * tells before the next batch (else the session is dropped). A batch that reached into another
   * partition (not what publish sends) loaded buckets this check does not cover: not kept.
   */
  #committed(session: Session, commit: Commit): void {
    const partitions = this.store.partitions;
    let mine = false;
    for (const f of commit.buckets ?? []) {
      if (f.bucket % partitions !== session.partition) session.version = -1;
      mine = true;
      session.ctx.ws.setVersion(f.bucket, f.version + 1);
    }
    for (const f of commit.buckets === undefined ? commit.fence : []) {
      if (f.partition !== session.partition) session.version = -1;
      mine = true;
    }
    if (mine && session.version >= 0) session.version++;
  }

  /**
   * Room for the partition's share of the registry, once a session is kept for a second batch:
   * grown batch by batch, the columns were allocated and filled two or three times over (1.7 s
   * of a worker's 17 on the nightly shape). A session used for one batch only (workers taking
   * turns on a partition) loads that batch's buckets and reserves nothing more.
   */
  async #reserve(session: Session): Promise<void> {
    session.reserved = true;
    const registered = await this.#registeredCount(session.digest);
    const share = Math.ceil((registered / this.store.partitions) * 1.05) + 1024;
    if (registered > 0) session.ctx.ws.reserve(Math.min(this.#maxMeters, share));
  }

  async #registeredCount(digest: string | undefined): Promise<number> {
    if (this.#registered === undefined || this.#registered.digest !== digest) {
      this.#registered = { digest, count: Number((await this.store.meta(REGISTERED)) ?? 0) };
    }
    return this.#registered.count;
  }

  #drop(partition: number): void {
    const session = this.#sessions.get(partition);
    if (session === undefined) return;
    this.#sessions.delete(partition);
    session.runner.release();
  }

  /** Drops the least recently used sessions (not `keep`, none deciding a batch) while the loaded meters exceed maxMeters. */
  #evict(keep?: Session): void {
    let meters = 0;
    for (const s of this.#sessions.values()) meters += s.ctx.ws.size;
    for (const [p, s] of this.#sessions) {
      if (meters <= this.#maxMeters) break;
      if (s.busy || s === keep) continue;
      meters -= s.ctx.ws.size;
      this.#drop(p);
      this.stats.evicted++;
    }
  }
}

const NO_LINES: EncodedLines = { billing: new Uint8Array(0), held: new Uint8Array(0), rejected: new Uint8Array(0), alerts: new Uint8Array(0) };

/**
 * The writer of a session: commits each job to the store in this thread and keeps the batch's
 * lines as the views it was handed (the runner's batch buffers, reused two batches later), with
 * the commit's outcome and fence.
 */
class SessionWriter implements WriterClient {
  readonly #store: PartitionedStore;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  result: "committed" | "duplicate" | undefined;
  /** The commit the store applied for the batch, if it did. */
  committed: Commit | undefined;
  lines: EncodedLines = NO_LINES;

  constructor(store: PartitionedStore) {
    this.#store = store;
  }

  /** Forgets the previous batch's outcome (its commit is done: flush came before). */
  reset(): void {
    this.result = undefined;
    this.committed = undefined;
    this.lines = NO_LINES;
  }

  submit(job: WriteJob): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#chain = this.#chain.then(async () => {
      if (job.kind === "commit") {
        this.result = await this.#store.commit(job.commit);
        if (this.result === "committed") this.committed = job.commit;
      }
      this.lines = job.lines;
    }).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  async ready(): Promise<void> {
    await this.#chain;
  }

  async flush(): Promise<void> {
    await this.#chain;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  async abort(): Promise<void> {}
}
