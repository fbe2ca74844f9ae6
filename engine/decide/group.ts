// Orders a batch's rows by meter, then end day, then source line, in O(n) for the usual
// inputs: rows are chained per meter in file order, and each meter's short chain is sorted
// by insertion (already in order when the file is).

/** Reusable grouping buffers sized to the registry. */
export class MeterGrouper {
  #head = new Int32Array(0);
  #tail = new Int32Array(0);
  #next = new Int32Array(0);
  #seen = new Int32Array(0);

  /**
   * Writes into `order` the rows whose `key[row] >= 0`, grouped by key (groups in order of first
   * appearance), each group sorted by (end, line). Returns the row count.
   */
  group(n: number, key: Int32Array, end: Int32Array, line: Float64Array, meters: number, order: Int32Array): number {
    if (this.#head.length < meters) {
      this.#head = new Int32Array(meters).fill(-1);
      this.#tail = new Int32Array(meters);
    }
    if (this.#next.length < n) {
      this.#next = new Int32Array(n);
      this.#seen = new Int32Array(n);
    }
    const head = this.#head;
    const tail = this.#tail;
    const next = this.#next;
    // Typed scratch, not arrays pushed to: a JS array grown by a push per meter was a quarter of a
    // nightly run's decision (its garbage and copies).
    const seen = this.#seen;
    let meterCount = 0;
    for (let row = 0; row < n; row++) {
      const k = key[row];
      if (k < 0) continue;
      next[row] = -1;
      if (head[k] < 0) {
        head[k] = row;
        seen[meterCount++] = k;
      } else {
        next[tail[k]] = row;
      }
      tail[k] = row;
    }
    let count = 0;
    for (let g = 0; g < meterCount; g++) {
      const k = seen[g];
      const start = count;
      for (let row = head[k]; row >= 0; row = next[row]) order[count++] = row;
      head[k] = -1;
      // Insertion sort by (end, line): linear when the file already has them in order.
      for (let i = start + 1; i < count; i++) {
        const row = order[i];
        let j = i - 1;
        while (j >= start && (end[order[j]] > end[row] || (end[order[j]] === end[row] && line[order[j]] > line[row]))) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = row;
      }
    }
    return count;
  }
}
