// Registry keys of a batch's meters: each meter index is looked up in the registry once per
// meter index (per file), then every row reads its key from a dense cache.
import type { ReadingBatch } from "./batch.js";
import type { MeterIndex } from "./meter-index.js";

export class KeyResolver {
  private readonly keyOf: ReadonlyMap<string, number>;
  private byIndex = new Int32Array(1024).fill(-2);
  private index: MeterIndex | undefined;
  private keys = new Int32Array(0);

  constructor(keyOf: ReadonlyMap<string, number>) {
    this.keyOf = keyOf;
  }

  /**
   * The ids of the batch's meters not resolved yet (in this file): load their buckets before
   * `resolve`, which then remembers each meter's key (or that it is not registered).
   */
  unseen(batch: ReadingBatch): string[] {
    this.#prepare(batch);
    const out: string[] = [];
    const seen = new Set<number>();
    for (let row = 0; row < batch.length; row++) {
      const m = batch.meter[row];
      if (m >= 0 && this.byIndex[m] === -2 && !seen.has(m)) {
        seen.add(m);
        out.push(batch.meters.idOf(m));
      }
    }
    return out;
  }

  #prepare(batch: ReadingBatch): void {
    const index = batch.meters;
    if (index !== this.index) {
      // Another file, another meter index: its indices mean other meters.
      this.index = index;
      this.byIndex.fill(-2);
    }
    if (this.byIndex.length < index.size) {
      const grown = new Int32Array(Math.max(index.size, this.byIndex.length * 2)).fill(-2);
      grown.set(this.byIndex);
      this.byIndex = grown;
    }
  }

  /** Every row's registry key: -1 when the meter is unknown or the row has no meter. A view, valid until the next call. */
  resolve(batch: ReadingBatch): Int32Array {
    const n = batch.length;
    const index = batch.meters;
    this.#prepare(batch);
    if (this.keys.length < n) this.keys = new Int32Array(n);
    const byIndex = this.byIndex;
    const keys = this.keys.subarray(0, n);
    for (let row = 0; row < n; row++) {
      const m = batch.meter[row];
      if (m < 0) {
        keys[row] = -1;
        continue;
      }
      let k = byIndex[m];
      if (k === -2) byIndex[m] = k = this.keyOf.get(index.idOf(m)) ?? -1;
      keys[row] = k;
    }
    return keys;
  }
}
