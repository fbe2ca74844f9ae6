// One batch through the runtime (DESIGN.md "Architecture"): load its slice from the store (the
// buckets of its meters, their flags, the held readings and history the decision needs), decide
// it (engine/decide, no I/O), then hand its commit and its output lines to the writer, which
// commits first and writes the lines after. A batch committed before is a duplicate, or adopted
// from a run that did not finish (replay.ts). With a decision pool, `pipeline` keeps as many
// batches in the pool's threads as it has threads: the next batch is loaded and cut while the
// ones before are decided, and batches finish (state back, lines, commit) in their order. A batch
// that names a meter of a batch still being decided (or needs the store to hold everything
// before it) waits for those first, so every meter's readings are decided in order.
import { Decider, UNKNOWN_METER } from "../decide/decider.js";
import { unknownHeldKey } from "../decide/held-index.js";
import type { BatchCounts, BatchOutput } from "../decide/output.js";
import type { SensorStats } from "../decide/sensors.js";
import type { ProcessorContext } from "./context.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { batchId } from "../ingest/batch-id.js";
import { KeyResolver } from "../ingest/keys.js";
import { rejectByRegistry } from "../ingest/limits.js";
import { rejectOutOfRange } from "../ingest/ranges.js";
import { fileOfLine, lineInFile } from "../ingest/source-line.js";
import { rejectReasonName } from "../ingest/reasons.js";
import { appendEntry, clearEntries, createEntries } from "../store/history.js";
import { applySlice, sliceOf } from "./slice.js";
import type { Slice } from "./slice.js";
import type { DecideOutput } from "../decide/decide.js";
import type { HistoryEntries } from "../store/history.js";
import { sortHeldTogether } from "../store/held-order.js";
import { groupEntriesByBucket } from "./entry-order.js";
import { createBatchLines, emitBatch } from "./emit.js";
import { createBillingRows } from "./billing-rows.js";
import type { BillingRows } from "./billing-rows.js";
import type { BatchLines } from "./emit.js";
import { bytesOf, emitCommitted } from "./replay.js";
import { SLOTS } from "./writer-client.js";
import { lateUntil } from "../store/state.js";

/** Whether a batch has rows of meters missing from the registry (key -1). */
function hasUnknown(keys: Int32Array, n: number): boolean {
  for (let row = 0; row < n; row++) if (keys[row] === -1) return true;
  return false;
}

/** Milliseconds spent per stage, summed over batches. */
export interface StageTimes {
  validate: number;
  compute: number;
  /** Handing the batch to the writer: building its commit, and waiting for a free buffer. */
  commit: number;
  /** Formatting the batch's output lines. */
  output: number;
}

/** A batch buffer: its history entries, output lines and staged billing rows, shared with a writer thread. */
interface Slot {
  history: HistoryEntries;
  lines: BatchLines;
  billing: BillingRows;
}

/** A batch loaded, keyed and checked, ready to be decided. */
interface Prepared {
  batch: ReadingBatch;
  seq: number;
  input: string;
  id: string;
  keys: Int32Array;
  out: BatchOutput;
  slot: Slot;
  /** Time handing over and loading took before the decision (stage times). */
  commitMs: number;
  validateMs: number;
  /** What its decision added to the run's sensor figures (committed with it); none without channels. */
  sensors?: SensorStats;
}

/** A batch whose slice is being decided in a pool thread. */
interface InFlight extends Prepared {
  slice: Slice;
  decided: Promise<DecideOutput>;
  /** Marks its meters' keys in `#owner`. */
  stamp: number;
  /** Cutting the slice and handing it over. */
  startMs: number;
}

export class BatchRunner {
  /** Time per stage so far, for the run summary and the benchmark. */
  readonly stages: StageTimes = { validate: 0, compute: 0, commit: 0, output: 0 };
  readonly #ctx: ProcessorContext;
  readonly #decider: Decider;
  readonly #resolver: KeyResolver;
  readonly #slots: Slot[] = [];
  #slot = 0;
  /** Batches in the pool's threads, oldest first (pipeline). */
  readonly #inFlight: InFlight[] = [];
  /** The stamp of the batch in flight that names each working-set key (0: none since). */
  #owner = new Int32Array(0);
  #stamp = 0;
  /** Batches handed to the writer in this run (the store sees them only once committed). */
  readonly #submitted = new Set<string>();
  /** Per bucket: the writer's number of the last job that commits a change to it (0: none in this run). */
  #lastJob = new Int32Array(0);
  /** Unknown meters whose held readings were read from the store in this run. */
  readonly #unknownRead = new Set<string>();

  constructor(ctx: ProcessorContext) {
    this.#ctx = ctx;
    this.#decider = new Decider(ctx);
    this.#resolver = new KeyResolver(ctx.ws);
    const capacity = ctx.batchCapacity ?? 65536;
    // A slot per batch in flight, besides the one being loaded and the one the writer may hold.
    const slots = ctx.batchesAtOnce ?? (ctx.pool === undefined ? SLOTS : SLOTS + ctx.pool.threads - 1);
    // A writer thread encodes the billing lines: then they are staged, and the lines' buffer stays small.
    const encodes = ctx.writer.encodesBilling === true;
    for (let i = 0; i < slots; i++) {
      this.#slots.push({
        history: createEntries(capacity, true),
        lines: createBatchLines(true, capacity < 65536 || encodes ? 1 << 12 : 1 << 22),
        billing: createBillingRows(encodes ? capacity : 0, true),
      });
    }
  }

  /** Pulse readings per fault name so far. */
  get pulseFaults(): Map<string, number> {
    return this.#decider.pulseFaults;
  }

  /** Gives the decider's WebAssembly memory back (a runner dropped after its batches). */
  release(): void {
    this.#decider.release();
  }

  /** Processes one batch, hands it to the writer and returns its counts. `seq` and `input` label it. */
  async process(batch: ReadingBatch, seq: number, input: BatchInput): Promise<BatchCounts> {
    if (this.#inFlight.length > 0) throw new Error("BatchRunner.process with batches in flight: drain() them first");
    const prepared = await this.#prepare(batch, seq, input);
    if (!("keys" in prepared)) return prepared;
    if (this.#ctx.pool === undefined) return this.#finishInline(prepared);
    return this.#finishPooled(this.#start(prepared));
  }

  /**
   * Processes one batch as part of a stream (a run's files): with a pool, the batch goes to a
   * thread and this returns once fewer batches than threads are in flight; without, it is
   * processed at once. Returns the counts of the batches finished meanwhile, in their order.
   */
  async pipeline(batch: ReadingBatch, seq: number, input: BatchInput): Promise<BatchCounts[]> {
    const pool = this.#ctx.pool;
    if (pool === undefined) return [await this.process(batch, seq, input)];
    const done: BatchCounts[] = [];
    const prepared = await this.#prepare(batch, seq, input, async (keys, alone) => {
      if (this.#inFlight.length > 0 && (alone || this.#overlaps(keys, batch.length))) done.push(...await this.drain());
    });
    if (!("keys" in prepared)) return [...done, prepared];
    this.#inFlight.push(this.#start(prepared));
    while (this.#inFlight.length >= pool.threads) done.push(await this.#finishPooled(this.#inFlight.shift()!));
    return done;
  }

  /** Finishes every batch in flight (pipeline), in order; their counts. */
  async drain(): Promise<BatchCounts[]> {
    const done: BatchCounts[] = [];
    while (this.#inFlight.length > 0) done.push(await this.#finishPooled(this.#inFlight.shift()!));
    return done;
  }

  /**
   * Loads, keys and checks a batch; a batch committed before is answered from the store (its
   * counts returned). `touch` is called once the batch's keys are known and before anything of
   * its meters' state is read or changed (`alone`: the batch must wait for every batch before it).
   */
  async #prepare(batch: ReadingBatch, seq: number, input: BatchInput, touch?: (keys: Int32Array, alone: boolean) => Promise<void>): Promise<Prepared | BatchCounts> {
    const { store, writer, ws } = this.#ctx;
    const t0 = performance.now();
    await writer.ready(64 << 20);
    const slot = this.#slots[(this.#slot = (this.#slot + 1) % this.#slots.length)];
    const t1 = performance.now();
    const n = batch.length;
    const id = batch.batchId ?? batchId(batch);
    // The slice: the buckets (registry and state) of the batch's meters not loaded yet.
    // Room for the file's meters so far (a worker sends a window's ids with its first batch).
    if (batch.meters.size > ws.size) ws.reserve(Math.min(batch.meters.size, ws.size + (1 << 22)));
    // Whether the batch was committed before (a rerun adopts it), read while the buckets load:
    // on PostgreSQL two round trips at once (a batch of one's latency is its round trips).
    const known = this.#submitted.has(id) ? undefined : store.batch(id);
    known?.catch(() => undefined);
    // The flags of the new buckets' partitions are read while they load.
    const unseen = this.#resolver.unseenBuckets(batch);
    this.#ctx.flags.prefetch([...new Set(unseen.map((b) => ws.partitionOfBucket(b)))]);
    await ws.loadBuckets(unseen);
    const keys = this.#resolver.resolve(batch);
    this.#validate(batch, keys);
    clearEntries(slot.history);
    const out: BatchOutput = {
      counts: { rows: n, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 },
      history: slot.history, held: [], heldOut: [], rejected: [], alerts: [], audit: [],
    };
    this.#reject(batch, out, input);
    const committed = await known;
    // A batch answered from the store or sent twice, or with meters not in the registry (their
    // held readings are known by id, not by key), goes after every batch before it.
    const again = this.#submitted.has(id) || this.#inFlight.some((f) => f.id === id);
    await touch?.(keys, committed !== undefined || again || hasUnknown(keys, n));
    if (committed !== undefined || this.#submitted.has(id)) {
      await emitCommitted(this.#ctx, committed, out, id, slot.lines, this.#decider.pulseFaults);
      return out.counts;
    }
    await this.#slices(batch, keys);
    this.#ctx.inspect?.(batch, keys, this.#ctx.state);
    return { batch, seq, input: inputLabel(batch, input), id, keys, out, slot, commitMs: t1 - t0, validateMs: performance.now() - t1 };
  }

  /** Decides a prepared batch in this thread and finishes it. */
  #finishInline(p: Prepared): BatchCounts {
    const t2 = performance.now();
    const stats = this.#ctx.sensors?.stats;
    const before = stats === undefined ? undefined : { ...stats };
    this.#decider.decide(p.batch, p.keys, p.out);
    if (stats !== undefined) {
      p.sensors = { values: stats.values - before!.values, out_of_range: stats.out_of_range - before!.out_of_range,
        late: stats.late - before!.late, alerts: stats.alerts - before!.alerts };
    }
    return this.#finish(p, performance.now() - t2);
  }

  /** Cuts a prepared batch's slice and hands it to a pool thread. */
  #start(p: Prepared): InFlight {
    const t = performance.now();
    const ctx = this.#ctx;
    const slice = sliceOf(ctx, p.batch, p.keys);
    if (ctx.episodes !== undefined) slice.input.episodes = ctx.episodes.snapshot(p.batch);
    // The slice's columns were cut for this call (slice.ts): handed over, not copied.
    const decided = ctx.pool!.decide(slice.input, { handOver: true });
    // Awaited when the batch finishes; a run that stops first must not leave it unhandled.
    decided.catch(() => undefined);
    const stamp = ++this.#stamp;
    this.#mark(p.keys, p.batch.length, stamp);
    return { ...p, slice, decided, stamp, startMs: performance.now() - t };
  }

  /**
   * Waits for a batch's decision and puts it back: state into the working set, ledger entries
   * under working-set keys, held readings, flags and episodes, and the outputs into `out` (whose
   * rejections, made before, stay); then finishes it.
   */
  async #finishPooled(f: InFlight): Promise<BatchCounts> {
    const ctx = this.#ctx;
    const t = performance.now();
    const decided = await f.decided;
    applySlice(ctx, f.slice, decided);
    if (decided.episodes !== undefined) ctx.episodes?.merge(decided.episodes);
    const { out } = f;
    const rejected = out.counts.rejected;
    Object.assign(out.counts, decided.counts, { rejected: rejected + decided.counts.rejected });
    for (let i = 0; i < decided.history.length; i++) {
      const h = decided.history;
      appendEntry(out.history, h.meter[i], h.end[i], h.value[i], h.prev[i], h.start[i], h.consumption[i], h.billed[i], h.flags[i], h.held[i], h.override[i], h.debounced[i]);
    }
    out.held.push(...decided.held);
    out.heldOut.push(...decided.heldOut);
    out.alerts.push(...decided.alerts);
    out.audit.push(...decided.audit);
    if (decided.released !== undefined) (out.released ??= []).push(...decided.released);
    // The thread's running tallies are its own: what this decision added goes into the summary's.
    for (const [name, n] of decided.tallies.pulseFaults) this.#decider.pulseFaults.set(name, (this.#decider.pulseFaults.get(name) ?? 0) + n);
    const stats = ctx.sensors?.stats;
    if (stats !== undefined && decided.tallies.sensors !== undefined) {
      for (const key of Object.keys(stats) as Array<keyof typeof stats>) stats[key] += decided.tallies.sensors[key];
    }
    f.sensors = decided.tallies.sensors;
    // The thread added the unknown meters' readings it held to its copy of the set; so does this one.
    if (ctx.unknownHeld !== undefined) {
      for (const h of decided.held) if (h.reasons === UNKNOWN_METER) ctx.unknownHeld.add(unknownHeldKey(h.meterId, h.endDay, h.value, h.override));
    }
    return this.#finish(f, f.startMs + performance.now() - t);
  }

  /**
   * A decided batch: its ledger into the history cache, its lines formatted (its billing rows
   * staged, for a writer that encodes them), its commit handed to the writer.
   */
  #finish(p: Prepared, computeMs: number): BatchCounts {
    const { out, slot } = p;
    const { writer } = this.#ctx;
    // Bucket by bucket, as the commit's segments keep them: the lines written now are those read back later.
    groupEntriesByBucket(this.#ctx.ws, out.history);
    this.#ctx.history.add(out.history);
    const t3 = performance.now();
    const staged = writer.encodesBilling === true ? slot.billing : undefined;
    sortHeldTogether(out.held, out.heldOut);
    emitBatch(this.#ctx.format, this.#ctx.ws.meters.ids, out.history, out.heldOut, out.rejected, slot.lines, this.#ctx.tally, out.alerts, staged);
    const t4 = performance.now();
    const job = writer.submit({
      kind: "commit", commit: this.#ctx.commits.build(p.id, p.seq, p.input, p.batch, p.keys, out, p.sensors), lines: bytesOf(slot.lines),
      ...(staged === undefined ? {} : { billing: { history: out.history, rows: staged } }),
    });
    this.#submitted.add(p.id);
    if (typeof job === "number") this.#markJob(p.keys, p.batch.length, job);
    const st = this.stages;
    st.commit += p.commitMs + performance.now() - t4;
    st.validate += p.validateMs;
    st.compute += computeMs;
    st.output += t4 - t3;
    return out.counts;
  }

  /** Records the writer's job that commits the buckets of these keys. */
  #markJob(keys: Int32Array, n: number, job: number): void {
    const { ws } = this.#ctx;
    if (this.#lastJob.length < ws.bucketCount) this.#lastJob = new Int32Array(ws.bucketCount);
    const last = this.#lastJob;
    for (let row = 0; row < n; row++) if (keys[row] >= 0) last[ws.bucketOfKey(keys[row])] = job;
  }

  /**
   * Waits until the store holds every change handed to the writer for these meters' buckets: a
   * batch before it that changed other buckets may still be on its way (its commit overlaps
   * this batch's reads). Unknown meters (no bucket) wait for everything.
   */
  async #committedFor(meters: Iterable<number>, everything: boolean): Promise<void> {
    const { writer, ws } = this.#ctx;
    if (everything || writer.settled === undefined) {
      await writer.flush();
      return;
    }
    let job = 0;
    for (const k of meters) job = Math.max(job, this.#lastJob[ws.bucketOfKey(k)] ?? 0);
    if (job > 0) await writer.settled(job);
  }

  /** Stamps the working-set keys of a batch going into the pool. */
  #mark(keys: Int32Array, n: number, stamp: number): void {
    const size = this.#ctx.ws.size;
    if (this.#owner.length < size) {
      const grown = new Int32Array(Math.max(size, this.#owner.length * 2));
      grown.set(this.#owner);
      this.#owner = grown;
    }
    for (let row = 0; row < n; row++) if (keys[row] >= 0) this.#owner[keys[row]] = stamp;
  }

  /** Whether the batch names a meter of a batch still in flight. */
  #overlaps(keys: Int32Array, n: number): boolean {
    const owner = this.#owner;
    const oldest = this.#inFlight[0].stamp;
    for (let row = 0; row < n; row++) {
      const k = keys[row];
      if (k >= 0 && k < owner.length && owner[k] >= oldest) return true;
    }
    return false;
  }

  /**
   * The rest of the batch's slice: operator flags of its partitions, and for the meters that need
   * them their held readings and their history (late readings). Reading those from the store
   * needs every batch handed over committed first.
   */
  async #slices(batch: ReadingBatch, keys: Int32Array): Promise<void> {
    const { ws, heldIndex, history, flags } = this.#ctx;
    let held: Set<number> | undefined;
    /** Meters with late readings not covered in memory, and the earliest of their days. */
    let late: Map<number, number> | undefined;
    let unknown: Set<string> | undefined;
    for (let row = 0; row < batch.length; row++) {
      const k = keys[row];
      if (k < 0) {
        if (k === -1 && batch.meter[row] >= 0 && batch.reject[row] === 0) {
          const id = batch.meters.idOf(batch.meter[row]);
          if (!this.#unknownRead.has(id)) (unknown ??= new Set()).add(id);
        }
        continue;
      }
      if (heldIndex.needsLoad(k)) (held ??= new Set()).add(k);
      const end = batch.end[row];
      if (end <= lateUntil(ws.state, k) && !history.covers(k, end)) {
        late ??= new Map();
        const earliest = late.get(k);
        if (earliest === undefined || end < earliest) late.set(k, end);
      }
    }
    // Reads that do not depend on each other go together (separate round trips on PostgreSQL).
    await Promise.all([flags.apply(keys, batch.length), this.#ctx.episodes?.load(batch)]);
    if (held === undefined && late === undefined && unknown === undefined) return;
    await this.#committedFor([...(held ?? []), ...(late?.keys() ?? [])], unknown !== undefined);
    await Promise.all([
      held === undefined ? undefined : heldIndex.load(held),
      late === undefined ? undefined : history.ensure(late),
      unknown === undefined ? undefined : this.#unknownHeld(unknown),
    ]);
  }

  /** Unknown meters' held readings, read once per meter and run (their re-sends are duplicates). */
  async #unknownHeld(unknown: Set<string>): Promise<void> {
    const known = (this.#ctx.unknownHeld ??= new Set());
    for (const h of await this.#ctx.store.readHeld([...unknown])) known.add(unknownHeldKey(h.meterId, h.endDay, h.value, h.override));
    for (const id of unknown) this.#unknownRead.add(id);
  }

  /** Checks that need the registry: a value beyond the register's range, a pulse count that is not whole. */
  #validate(batch: ReadingBatch, keys: Int32Array): void {
    rejectByRegistry(batch, keys, this.#ctx.meters);
    if (this.#ctx.ranges !== undefined) rejectOutOfRange(batch, this.#ctx.ranges);
  }

  /**
   * The batch's rejected rows, each with the input it came from, as the run was given it; in file
   * and line order (a routed batch holds its rows in bucket order).
   */
  #reject(batch: ReadingBatch, out: BatchOutput, input: BatchInput): void {
    const rows: number[] = [];
    for (let row = 0; row < batch.length; row++) if (batch.reject[row] !== 0) rows.push(row);
    rows.sort((a, b) => batch.line[a] - batch.line[b]);
    for (const row of rows) {
      const m = batch.meter[row];
      const line = batch.line[row];
      out.rejected.push({
        sourceLine: typeof input === "string" ? line : lineInFile(line),
        meterId: m >= 0 ? batch.meters.idOf(m) : "",
        reason: rejectReasonName(batch.reject[row]),
        raw: batch.rejectedRaw.get(row) ?? batch.rawOf(row),
        file: typeof input === "string" ? input : input[fileOfLine(line)],
      });
      out.counts.rejected++;
    }
  }
}

/**
 * Where a batch came from: its input file, or the files a decoding thread routed together (each
 * row's line names its file: ingest/source-line.ts).
 */
export type BatchInput = string | readonly string[];

/** The batch record's input: the file, or the files its rows came from, in the order given. */
function inputLabel(batch: ReadingBatch, input: BatchInput): string {
  if (typeof input === "string") return input;
  if (input.length === 1) return input[0];
  const present = new Uint8Array(input.length);
  for (let row = 0; row < batch.length; row++) present[fileOfLine(batch.line[row])] = 1;
  return input.filter((_, f) => present[f] === 1).join(", ");
}
