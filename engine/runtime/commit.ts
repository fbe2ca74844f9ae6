// What one decided batch commits, in the store contract's terms: the ledger as one segment per
// bucket (meters by slot), the new state of every bucket the batch touched, held readings with the
// reading as it arrived, alerts, the flags the rules set, audit, threshold episodes, and the fence:
// every touched partition at the version this run last saw it. After a batch is handed over its
// partitions' expected versions move on (the writer commits batches in order).
import type { ReadingBatch } from "../ingest/batch.js";
import type { BatchSensors, Commit, PartitionedStore } from "../store/contract.js";
import { encodeSegment } from "../store/history.js";
import type { BatchOutput } from "../decide/output.js";
import type { EpisodeSync } from "./episodes.js";
import type { WorkingSet } from "./working-set.js";

export class CommitBuilder {
  readonly #ws: WorkingSet;
  readonly #runId: number;
  readonly #rulesVersion: string;
  readonly #episodes: EpisodeSync | undefined;

  /** Per key: 1 while #slots has counted it (cleared before it returns). */
  #seen = new Uint8Array(0);

  private constructor(ws: WorkingSet, runId: number, rulesVersion: string, episodes: EpisodeSync | undefined) {
    this.#ws = ws;
    this.#runId = runId;
    this.#rulesVersion = rulesVersion;
    this.#episodes = episodes;
  }

  /** A builder of `ws`'s commits (fenced at the versions its buckets were read at). */
  static async create(_store: PartitionedStore, ws: WorkingSet, runId: number, rulesVersion: string, episodes?: EpisodeSync): Promise<CommitBuilder> {
    return new CommitBuilder(ws, runId, rulesVersion, episodes);
  }

  /** The keys #slots counted, in order of first appearance. */
  #marked = new Int32Array(0);

  /** Per bucket the batch touches, the slots of its meters there (rows, then ledger entries), in order of first appearance. */
  #slots(batch: ReadingBatch, keys: Int32Array, h: BatchOutput["history"]): Map<number, Uint32Array> {
    const ws = this.#ws;
    if (this.#seen.length < ws.size) this.#seen = new Uint8Array(Math.max(ws.size, this.#seen.length * 2));
    if (this.#marked.length < batch.length + h.length) this.#marked = new Int32Array(Math.max(batch.length + h.length, this.#marked.length * 2));
    const seen = this.#seen;
    const marked = this.#marked;
    // Each loop is a function of its own: V8 compiles a hot loop's function on the spot, and
    // code after that loop, not run by then, left the compiled code (--trace-deopt, nightly 1M).
    const n = markEntries(h.meter, h.length, seen, marked, markRows(keys, batch.length, seen, marked));
    unmark(seen, marked, n);
    const out = new Map<number, Uint32Array>();
    for (const [bucket, at] of groupByBucket(ws, marked, n)) out.set(bucket, slotsOfKeys(marked, at, ws.bucketKeys(bucket)!.first));
    return out;
  }

  /**
   * The commit of a decided batch; `sensors`, what its decision added to the run's sensor figures
   * (kept with it, so a rerun that adopts the batch counts them: replay.ts).
   */
  build(batchId: string, seq: number, input: string, batch: ReadingBatch, keys: Int32Array, out: BatchOutput, sensors?: BatchSensors): Commit {
    const ws = this.#ws;
    const h = out.history;
    const slots = this.#slots(batch, keys, h);
    const buckets = new Set(slots.keys());
    // Segments name meters by slot: swap keys for slots while encoding, then put them back.
    // (As Int32Array, like the batch's keys: groupByBucket then sees one kind of array.)
    const keysOf = new Int32Array(h.meter.subarray(0, h.length));
    const rowsOf = groupByBucket(ws, keysOf, h.length);
    for (const [bucket, rows] of rowsOf) toSlots(h.meter, keysOf, rows, ws.bucketKeys(bucket)!.first);
    // Each segment says its latest end day and its meters' slots: one meter's reads skip the others.
    const segments = [...rowsOf].map(([bucket, rows]) => ({
      bucket, entries: rows.length, data: new Uint8Array(encodeSegment(h, rows)), maxEnd: maxEndOf(h.end, rows), slots: slotsOfEntries(h.meter, rows),
    }));
    // (encodeSegment returns a view of a reused buffer: each segment is copied out.)
    h.meter.set(keysOf);
    const fence = [...slots].sort((a, b) => a[0] - b[0])
      .map(([bucket, list]) => ({ bucket, version: ws.versionOf(bucket), slots: list }));
    const at = new Date().toISOString();
    const c = out.counts;
    return {
      batchId, runId: this.#runId, seq, input, rulesVersion: this.#rulesVersion, fence: [], buckets: fence,
      counts: { rows: c.rows, billable: c.billable, held: c.held, rejected: c.rejected, duplicates: c.duplicates, sensor: c.sensor },
      ...(sensors === undefined ? {} : { sensors }),
      state: ws.stateOf(buckets), segments, held: withPhotos(out.held, batch, keys, ws),
      alerts: out.alerts.map((a) => ({ meterId: a.meterId, endDay: a.end, rule: a.rule, line: JSON.stringify(a) })),
      flags: out.audit.filter((a) => a.action === "set").map((a) => ({
        meterId: a.meterId, reason: a.reason, note: "", actor: a.actor, at,
        partition: ws.partitionOfBucket(ws.bucketOf(a.meterId)),
      })),
      audit: out.audit,
      ...(out.released === undefined ? {} : { released: out.released }),
      ...(out.rejected.length === 0 ? {} : { rejected: out.rejected.map((r) => JSON.stringify(r)) }),
      episodes: this.#episodes?.entries(batch) ?? [],
    };
  }
}

/** The batch's keys (>= 0) in order of first appearance into `marked`, marked seen; their count. */
function markRows(keys: Int32Array, n: number, seen: Uint8Array, marked: Int32Array): number {
  let count = 0;
  for (let row = 0; row < n; row++) {
    const k = keys[row];
    if (k >= 0 && seen[k] === 0) {
      seen[k] = 1;
      marked[count++] = k;
    }
  }
  return count;
}

/** Appends to `marked` (from `count`) the ledger entries' keys not seen yet, marking them seen; the new count. */
function markEntries(meter: Uint32Array, n: number, seen: Uint8Array, marked: Int32Array, count: number): number {
  for (let i = 0; i < n; i++) {
    const k = meter[i];
    if (seen[k] === 0) {
      seen[k] = 1;
      marked[count++] = k;
    }
  }
  return count;
}

/** Clears the marks of marked[0 .. n). */
function unmark(seen: Uint8Array, marked: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) seen[marked[i]] = 0;
}

/** A bucket's keys (marked[at[j]]) as its slots. */
function slotsOfKeys(marked: Int32Array, at: Int32Array, first: number): Uint32Array {
  const slots = new Uint32Array(at.length);
  for (let j = 0; j < at.length; j++) slots[j] = marked[at[j]] - first;
  return slots;
}

/** The slots the entries `rows` name (their meters, by slot by now). */
function slotsOfEntries(meter: Uint32Array, rows: Int32Array): Uint32Array {
  const slots = new Uint32Array(rows.length);
  for (let k = 0; k < rows.length; k++) slots[k] = meter[rows[k]];
  return slots;
}

/** The ledger entries `rows` name their meters by slot (key - first), from their keys in `keys`. */
function toSlots(meter: Uint32Array, keys: Int32Array, rows: Int32Array, first: number): void {
  for (let k = 0; k < rows.length; k++) meter[rows[k]] = keys[rows[k]] - first;
}

/** The latest of the entries' end days. */
function maxEndOf(end: Int32Array, rows: Int32Array): number {
  let max = -0x80000000;
  for (let k = 0; k < rows.length; k++) if (end[rows[k]] > max) max = end[rows[k]];
  return max;
}

/**
 * The positions [0, n) of `keys` grouped by their key's bucket, buckets in order of first
 * appearance, positions ascending in each. A routed batch names its meters bucket after bucket,
 * so keys come in runs of one bucket: the map is asked once per run, not once per key.
 */
function groupByBucket(ws: WorkingSet, keys: Int32Array, n: number): Map<number, Int32Array> {
  const groups = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const [bucket, count] of countByBucket(ws, keys, n)) {
    groups.set(bucket, new Int32Array(count));
    fill.set(bucket, 0);
  }
  fillGroups(ws, keys, n, groups, fill);
  return groups;
}

/** Positions per bucket, buckets in order of first appearance (one pass; see groupByBucket). */
function countByBucket(ws: WorkingSet, keys: Int32Array, n: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n;) {
    const bucket = ws.bucketOfKey(keys[i]);
    const from = i;
    while (++i < n && ws.bucketOfKey(keys[i]) === bucket);
    counts.set(bucket, (counts.get(bucket) ?? 0) + i - from);
  }
  return counts;
}

/** Each position into its bucket's group, from the group's fill mark on. */
function fillGroups(ws: WorkingSet, keys: Int32Array, n: number, groups: Map<number, Int32Array>, fill: Map<number, number>): void {
  for (let i = 0; i < n;) {
    const bucket = ws.bucketOfKey(keys[i]);
    const into = groups.get(bucket)!;
    let at = fill.get(bucket)!;
    do into[at++] = i;
    while (++i < n && ws.bucketOfKey(keys[i]) === bucket);
    fill.set(bucket, at);
  }
}

/** Held records of readings that came with a photo say so (has_photo), so a release judges them with it. */
function withPhotos(held: Commit["held"], batch: ReadingBatch, keys: Int32Array, ws: WorkingSet): Commit["held"] {
  const photo = batch.photo;
  if (photo === undefined || held.length === 0) return held;
  const withPhoto = new Set<string>();
  for (let row = 0; row < batch.length; row++) {
    if (photo[row] === 1 && keys[row] >= 0) withPhoto.add(`${ws.meters.ids.get(keys[row])}|${batch.end[row]}|${batch.value[row]}`);
  }
  if (withPhoto.size === 0) return held;
  return held.map((h) => (withPhoto.has(`${h.meterId}|${h.endDay}|${h.value}`) ? { ...h, photo: true } : h));
}
