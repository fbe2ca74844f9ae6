// Operators' temp_bad flags, read with each batch's slice: they live in the store's flags table,
// apart from state, so a run never overwrites a flag set (or cleared) while it was running. A flag
// the rules set during this run stays set for its meter until the run ends (it is committed with
// its batch; the next run reads it from the table like any other).
import type { PartitionedStore } from "../store/contract.js";
import type { WorkingSet } from "./working-set.js";

export class FlagSync {
  readonly #store: PartitionedStore;
  readonly #ws: WorkingSet;
  /** Meters the rules flagged in this run. */
  readonly #setByRun = new Set<number>();
  #partitions = new Uint8Array(0);
  /** Flags of some partitions, read while the batch's buckets loaded (prefetch). */
  #prefetched: { partitions: Set<number>; rows: ReturnType<PartitionedStore["readFlags"]> } | undefined;

  constructor(store: PartitionedStore, ws: WorkingSet) {
    this.#store = store;
    this.#ws = ws;
  }

  /** Records a flag the rules set while deciding (it is committed with the batch). */
  setByRun(meter: number): void {
    this.#setByRun.add(meter);
  }

  /**
   * Starts reading these partitions' flags for the batch about to be applied (its buckets load
   * meanwhile: on PostgreSQL one round trip fewer); replaces what an earlier batch prefetched.
   */
  prefetch(partitions: readonly number[]): void {
    this.#prefetched = undefined;
    if (partitions.length === 0) return;
    const rows = this.#store.readFlags(partitions);
    rows.catch(() => undefined);
    this.#prefetched = { partitions: new Set(partitions), rows };
  }

  /** Sets each of the batch's meters' temp_bad from the flags table (and this run's own flags). */
  async apply(keys: Int32Array, n: number): Promise<void> {
    const ws = this.#ws;
    if (this.#partitions.length !== this.#store.partitions) this.#partitions = new Uint8Array(this.#store.partitions);
    const touched = this.#partitions.fill(0);
    touchPartitions(ws, keys, n, touched);
    const partitions: number[] = [];
    touched.forEach((t, p) => t === 1 && partitions.push(p));
    const prefetched = this.#prefetched;
    this.#prefetched = undefined;
    if (partitions.length === 0) return;
    const missing = prefetched === undefined ? partitions : partitions.filter((p) => !prefetched.partitions.has(p));
    const [early, late] = await Promise.all([prefetched?.rows ?? [], missing.length === 0 ? [] : this.#store.readFlags(missing)]);
    const flagged = flaggedKeys(ws, [...early, ...late].map((f) => f.meterId));
    const byRun = this.#setByRun;
    const tempBad = ws.state.tempBad;
    // Most nights flag nothing: no set asked per reading then.
    if (flagged.size === 0 && byRun.size === 0) clearTempBad(tempBad, keys, n);
    else setTempBad(tempBad, keys, n, flagged, byRun);
  }
}

// The loops of FlagSync.apply, each a function of its own: V8 compiles a hot loop's function on
// the spot (on-stack replacement), and code after the loop, not run by then, left the compiled
// code (--trace-opt, nightly 1M: functions named apply were compiled 6-7 times before, once
// since; the trace names no class, and PulseStage has an apply too).

function touchPartitions(ws: WorkingSet, keys: Int32Array, n: number, touched: Uint8Array): void {
  for (let row = 0; row < n; row++) if (keys[row] >= 0) touched[ws.partitionOfBucket(ws.bucketOfKey(keys[row]))] = 1;
}

function clearTempBad(tempBad: Uint8Array, keys: Int32Array, n: number): void {
  for (let row = 0; row < n; row++) if (keys[row] >= 0) tempBad[keys[row]] = 0;
}

function setTempBad(tempBad: Uint8Array, keys: Int32Array, n: number, flagged: Set<number>, byRun: Set<number>): void {
  for (let row = 0; row < n; row++) {
    const k = keys[row];
    if (k >= 0) tempBad[k] = flagged.has(k) || byRun.has(k) ? 1 : 0;
  }
}

/**
 * The keys of the flagged meters the working set holds: each id compared with its bucket's
 * loaded meters only (a few hundred), as bytes. A night with a flag or two on every partition
 * made no string per meter of the batch (the working set keeps ids as bytes: meter-ids.ts).
 */
function flaggedKeys(ws: WorkingSet, meterIds: readonly string[]): Set<number> {
  const keys = new Set<number>();
  const { ids } = ws.meters;
  for (const id of meterIds) {
    const loaded = ws.bucketKeys(ws.bucketOf(id));
    if (loaded === undefined) continue;
    for (let k = loaded.first, end = loaded.first + loaded.size; k < end; k++) {
      if (ids.equals(k, id)) {
        keys.add(k);
        break;
      }
    }
  }
  return keys;
}
