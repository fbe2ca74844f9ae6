// One batch through the runtime (DESIGN.md "Architecture"): load its slice from the store (the
// buckets of its meters, their flags, the held readings and history the decision needs), decide
// it (engine/decide, no I/O), then hand its commit and its output lines to the writer, which
// commits first and writes the lines after. A batch committed before is a duplicate, or adopted
// from a run that did not finish (replay.ts).
import { Decider } from "../decide/decider.js";
import type { BatchCounts, BatchOutput } from "../decide/output.js";
import type { ProcessorContext } from "./context.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { batchId } from "../ingest/batch-id.js";
import { KeyResolver } from "../ingest/keys.js";
import { rejectByRegistry } from "../ingest/limits.js";
import { rejectOutOfRange } from "../ingest/ranges.js";
import { rejectReasonName } from "../ingest/reasons.js";
import { appendEntry, clearEntries, createEntries } from "../store/history.js";
import { applySlice, sliceOf } from "./slice.js";
import type { HistoryEntries } from "../store/history.js";
import { createBatchLines, emitBatch } from "./emit.js";
import type { BatchLines } from "./emit.js";
import { bytesOf, emitCommitted } from "./replay.js";
import { SLOTS } from "./writer-client.js";

/** Milliseconds spent per stage, summed over batches. */
export interface StageTimes {
  validate: number;
  compute: number;
  /** Handing the batch to the writer: building its commit, and waiting for a free buffer. */
  commit: number;
  /** Formatting the batch's output lines. */
  output: number;
}

/** A batch buffer: its history entries and output lines, shared with a writer thread. */
interface Slot {
  history: HistoryEntries;
  lines: BatchLines;
}

export class BatchRunner {
  /** Time per stage so far, for the run summary and the benchmark. */
  readonly stages: StageTimes = { validate: 0, compute: 0, commit: 0, output: 0 };
  readonly #ctx: ProcessorContext;
  readonly #decider: Decider;
  readonly #resolver: KeyResolver;
  readonly #slots: Slot[] = [];
  #slot = 0;
  /** Batches handed to the writer in this run (the store sees them only once committed). */
  readonly #submitted = new Set<string>();
  /** Unknown meters whose held readings were read from the store in this run. */
  readonly #unknownRead = new Set<string>();

  constructor(ctx: ProcessorContext) {
    this.#ctx = ctx;
    this.#decider = new Decider(ctx);
    this.#resolver = new KeyResolver(ctx.ws);
    const capacity = ctx.batchCapacity ?? 65536;
    for (let i = 0; i < SLOTS; i++) this.#slots.push({ history: createEntries(capacity, true), lines: createBatchLines(true, capacity < 65536 ? 1 << 12 : 1 << 22) });
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
  async process(batch: ReadingBatch, seq: number, input: string): Promise<BatchCounts> {
    const { store, writer, ws } = this.#ctx;
    const t0 = performance.now();
    await writer.ready(64 << 20);
    const slot = this.#slots[(this.#slot = (this.#slot + 1) % SLOTS)];
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
    if (committed !== undefined || this.#submitted.has(id)) {
      await emitCommitted(this.#ctx, committed, out, id, slot.lines);
      return out.counts;
    }
    await this.#slices(batch, keys);
    this.#ctx.inspect?.(batch, keys, this.#ctx.state);
    const t2 = performance.now();
    if (this.#ctx.pool === undefined) this.#decider.decide(batch, keys, out);
    else await this.#decideInPool(batch, keys, out);
    this.#ctx.history.add(out.history);
    const t3 = performance.now();
    emitBatch(this.#ctx.format, ws.meters.ids, out.history, out.heldOut, out.rejected, slot.lines, this.#ctx.tally, out.alerts);
    const t4 = performance.now();
    writer.submit({ kind: "commit", commit: this.#ctx.commits.build(id, seq, input, batch, keys, out), lines: bytesOf(slot.lines) });
    this.#submitted.add(id);
    const st = this.stages;
    st.commit += t1 - t0 + performance.now() - t4;
    st.validate += t2 - t1;
    st.compute += t3 - t2;
    st.output += t4 - t3;
    return out.counts;
  }

  /**
   * The rest of the batch's slice: operator flags of its partitions, and for the meters that need
   * them their held readings and their history (late readings). Reading those from the store
   * needs every batch handed over committed first.
   */
  async #slices(batch: ReadingBatch, keys: Int32Array): Promise<void> {
    const { ws, heldIndex, history, flags, writer } = this.#ctx;
    const lastEnd = ws.state.lastEnd;
    let held: Set<number> | undefined;
    let late: Set<number> | undefined;
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
      if (batch.end[row] <= lastEnd[k] && !history.has(k)) (late ??= new Set()).add(k);
    }
    // Reads that do not depend on each other go together (separate round trips on PostgreSQL).
    await Promise.all([flags.apply(keys, batch.length), this.#ctx.episodes?.load(batch)]);
    if (held === undefined && late === undefined && unknown === undefined) return;
    await writer.flush();
    await Promise.all([
      held === undefined ? undefined : heldIndex.load(held),
      late === undefined ? undefined : history.ensure(late),
      unknown === undefined ? undefined : this.#unknownHeld(unknown),
    ]);
  }

  /** Unknown meters' held readings, read once per meter and run (their re-sends are duplicates). */
  async #unknownHeld(unknown: Set<string>): Promise<void> {
    const known = (this.#ctx.unknownHeld ??= new Set());
    for (const h of await this.#ctx.store.readHeld([...unknown])) known.add(`${h.meterId}:${h.endDay}:${h.value}`);
    for (const id of unknown) this.#unknownRead.add(id);
  }

  /**
   * Decides the batch's slice in a decision thread and puts what it decided back: state into the
   * working set, ledger entries under working-set keys, held readings, flags and episodes, and the
   * outputs into `out` (whose rejections, made here, stay).
   */
  async #decideInPool(batch: ReadingBatch, keys: Int32Array, out: BatchOutput): Promise<void> {
    const ctx = this.#ctx;
    const slice = sliceOf(ctx, batch, keys);
    if (ctx.episodes !== undefined) slice.input.episodes = ctx.episodes.snapshot(batch);
    // The slice's columns were cut for this call (slice.ts): handed over, not copied.
    const decided = await ctx.pool!.decide(slice.input, { handOver: true });
    applySlice(ctx, slice, decided);
    if (decided.episodes !== undefined) ctx.episodes?.merge(decided.episodes);
    const rejected = out.counts.rejected;
    Object.assign(out.counts, decided.counts, { rejected: rejected + decided.counts.rejected });
    for (let i = 0; i < decided.history.length; i++) {
      const h = decided.history;
      appendEntry(out.history, h.meter[i], h.end[i], h.value[i], h.prev[i], h.start[i], h.consumption[i], h.billed[i], h.flags[i], h.held[i], h.override[i]);
    }
    out.held.push(...decided.held);
    out.heldOut.push(...decided.heldOut);
    out.alerts.push(...decided.alerts);
    out.audit.push(...decided.audit);
    if (decided.released !== undefined) (out.released ??= []).push(...decided.released);
  }

  /** Checks that need the registry: a value beyond the register's range, a pulse count that is not whole. */
  #validate(batch: ReadingBatch, keys: Int32Array): void {
    rejectByRegistry(batch, keys, this.#ctx.meters);
    if (this.#ctx.ranges !== undefined) rejectOutOfRange(batch, this.#ctx.ranges);
  }

  /** The batch's rejected rows; `file` is the input they came from, as the run was given it. */
  #reject(batch: ReadingBatch, out: BatchOutput, file: string): void {
    for (let row = 0; row < batch.length; row++) {
      const code = batch.reject[row];
      if (code === 0) continue;
      const m = batch.meter[row];
      out.rejected.push({
        sourceLine: batch.line[row],
        meterId: m >= 0 ? batch.meters.idOf(m) : "",
        reason: rejectReasonName(code),
        raw: batch.rejectedRaw.get(row) ?? batch.rawOf(row),
        file,
      });
      out.counts.rejected++;
    }
  }
}
