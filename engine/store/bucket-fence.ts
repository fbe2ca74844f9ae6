// Fencing by meter (contract.ts "Commit.buckets"), shared by the SQLite and PostgreSQL stores.
// Each bucket has a version, and each version keeps the slots of the meters the commit that made
// it decided (a bitmap; null for every meter). A batch decided on a bucket at version v may
// commit while the bucket is at v' > v as long as no commit of another writer in (v, v'] changed
// one of its meters: an operator's batch of one on meter A does not refuse a job's batch of the
// same bucket that does not read A. The bucket's state BLOB is then merged: the batch's rows for
// its meters over the rows as stored (which hold the other writer's). A change the store pruned
// is taken as a conflict (never an unseen one).
import type { BucketFence, Commit } from "./contract.js";
import { BUCKETS_PER_PARTITION } from "./contract.js";
import { decodeState, encodeState } from "./bucket-state.js";
import { StoreError } from "./errors.js";
import { STATE_FIELDS } from "./state.js";
import type { MeterState } from "./state.js";

/** A bucket's change as kept: the version it made, the run that committed it, the slots it decided (null: all). */
export interface BucketChange {
  version: number;
  runId: number;
  slots: Uint8Array | null;
}

/** Changes kept per bucket beyond which older ones of finished runs (and of run 0) are pruned. */
export const CHANGES_KEPT = 256;

/** Prune a bucket's changes when its new version is a multiple of this (not at every commit). */
export const PRUNE_EVERY = 64;

/** The slots as a bitmap (bit s of byte s >> 3); null stays null (every meter). */
export function slotBitmap(slots: BucketFence["slots"]): Uint8Array | null {
  if (slots === null) return null;
  let max = -1;
  for (let i = 0; i < slots.length; i++) if (slots[i] > max) max = slots[i];
  const bits = new Uint8Array((max >> 3) + 1);
  for (let i = 0; i < slots.length; i++) bits[slots[i] >> 3] |= 1 << (slots[i] & 7);
  return bits;
}

/** Whether a bitmap (null: every slot) holds this slot. */
export function hasSlot(bits: Uint8Array | null, slot: number): boolean {
  return bits === null || ((slot >> 3) < bits.length && ((bits[slot >> 3] >> (slot & 7)) & 1) === 1);
}

/** Whether a change's bitmap (null: all) holds any of these slots (null: all). */
function overlaps(bits: Uint8Array | null, slots: BucketFence["slots"]): boolean {
  if (bits === null || slots === null) return true;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if ((s >> 3) < bits.length && (bits[s >> 3] >> (s & 7)) & 1) return true;
  }
  return false;
}

/**
 * The commit's bucket fences, checked for shape and sorted by bucket: every bucket one of the
 * store's, named once, and every bucket the commit writes (state, segments) fenced.
 */
export function bucketFences(c: Commit, partitions: number): BucketFence[] {
  const buckets = partitions * BUCKETS_PER_PARTITION;
  const byBucket = new Map<number, BucketFence>();
  for (const f of c.buckets ?? []) {
    if (!Number.isInteger(f.bucket) || f.bucket < 0 || f.bucket >= buckets || !Number.isInteger(f.version) || f.version < 0) {
      throw new StoreError("MF_ERR_STORE_WRITE", `batch ${c.batchId} fences bucket ${f.bucket} at ${f.version}, not a bucket of 0..${buckets - 1} at a version`);
    }
    if (byBucket.has(f.bucket)) throw new StoreError("MF_ERR_STORE_WRITE", `batch ${c.batchId} fences bucket ${f.bucket} twice`);
    byBucket.set(f.bucket, f);
  }
  for (const w of [...c.state, ...c.segments]) {
    if (!byBucket.has(w.bucket)) throw new StoreError("MF_ERR_STORE_WRITE", `batch ${c.batchId} writes bucket ${w.bucket} without fencing it`);
  }
  return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
}

/**
 * Judges one fenced bucket: "clean" when nothing of another writer came since the batch's
 * version (its state BLOB is written as it is), "merge" when only other meters changed, or the
 * reason it is refused. `changes` are the bucket's kept changes after `fence.version`.
 */
export function judgeBucket(fence: BucketFence, now: number, changes: readonly BucketChange[], runId: number): "clean" | "merge" | string {
  if (now === fence.version) return "clean";
  if (now < fence.version) return `bucket ${fence.bucket} decided at ${fence.version}, now ${now}`;
  // Pruned changes were another writer's (a running run's own are kept).
  if (changes.length < now - fence.version) return `bucket ${fence.bucket} decided at ${fence.version}, changes since pruned (now ${now})`;
  let foreign = false;
  for (const change of changes) {
    if (runId > 0 && change.runId === runId) continue;
    foreign = true;
    if (overlaps(change.slots, fence.slots)) {
      return `bucket ${fence.bucket} decided at ${fence.version}, a meter of the batch changed at ${change.version}`;
    }
  }
  return foreign ? "merge" : "clean";
}

/** The refusal of a commit whose buckets moved on under its meters. */
export function fencedError(c: Commit, stale: readonly string[]): StoreError {
  return new StoreError("MF_ERR_STORE_FENCED", `batch ${c.batchId} was decided on stale state: ${stale.join(", ")}; decide it again on fresh slices`);
}

/**
 * The state to store for a bucket other writers changed since the batch read it: the stored rows,
 * with the batch's rows for its slots (and for slots the stored BLOB does not cover yet).
 */
export function mergeState(stored: Uint8Array | null, written: { meters: number; state: Uint8Array }, slots: BucketFence["slots"]): { meters: number; state: Uint8Array } {
  if (stored === null || slots === null) return written;
  const covered = new DataView(stored.buffer, stored.byteOffset, stored.byteLength).getUint32(4, true);
  const meters = Math.max(covered, written.meters);
  const into = decodeState(stored, meters);
  const mine = decodeState(written.state, written.meters);
  for (let i = 0; i < slots.length; i++) if (slots[i] < written.meters) copyRow(mine, into, slots[i]);
  for (let s = covered; s < written.meters; s++) copyRow(mine, into, s);
  return { meters, state: encodeState(into, 0, meters) };
}

function copyRow(from: MeterState, to: MeterState, slot: number): void {
  for (const [name] of STATE_FIELDS) (to[name] as Float64Array)[slot] = (from[name] as Float64Array)[slot];
}
