// Content-addressed batch ids: the same readings in the same batch give the same id in any run,
// so a batch committed before is recognised (a rerun, a redelivery, a run killed midway).
import { createHash } from "node:crypto";
import type { ReadingBatch, RowIds } from "./batch.js";
import { PULSE_INPUTS } from "./pulse-fields.js";

let local = new Int32Array(1024);
let first = new Int32Array(1024);

/**
 * SHA-256 over the batch's decoded columns, taken before any registry check: meters by their id,
 * numbered in order of first appearance in the batch, so the id depends on the content alone
 * (not on the file's meter index, the registry or the store).
 */
export function batchId(batch: ReadingBatch): string {
  const n = batch.length;
  const h = createHash("sha256");
  const bytes = (a: ArrayBufferView, size: number) => new Uint8Array(a.buffer, a.byteOffset, n * size);
  h.update(bytes(batch.line, 8));
  h.update(bytes(batch.end, 4));
  h.update(bytes(batch.value, 8));
  h.update(bytes(batch.override, 8));
  h.update(bytes(batch.source, 1));
  h.update(bytes(batch.verification, 1));
  h.update(bytes(batch.reject, 1));
  const rowIds = batch.rowIds;
  const joined = rowIds !== undefined ? joinedRowIds(batch, rowIds) : undefined;
  if (joined !== undefined) {
    h.update(new Uint8Array(joined.order.buffer, 0, n * 4));
    h.update(joined.bytes);
  } else {
    if (local.length < batch.meters.size) local = new Int32Array(Math.max(batch.meters.size, local.length * 2));
    local.fill(-1, 0, batch.meters.size);
    const order = new Int32Array(n);
    if (first.length < n) first = new Int32Array(Math.max(n, first.length * 2));
    let count = 0;
    for (let row = 0; row < n; row++) {
      const m = batch.meter[row];
      if (m < 0) {
        order[row] = -1;
        continue;
      }
      if (local[m] < 0) {
        local[m] = count;
        first[count++] = m;
      }
      order[row] = local[m];
    }
    h.update(new Uint8Array(order.buffer));
    // The ids in order of first appearance joined by "\n": from the index's bytes when it has
    // them (no string per meter), else as strings (the same UTF-8 bytes either way).
    const meters = batch.meters;
    if (meters.joinedIds !== undefined) h.update(meters.joinedIds(first, count));
    else {
      const ids = new Array<string>(count);
      for (let j = 0; j < count; j++) ids[j] = meters.idOf(first[j]);
      h.update(ids.join("\n"));
    }
  }
  if (batch.pulse !== undefined) {
    for (const input of PULSE_INPUTS) {
      h.update(input);
      h.update(bytes(batch.pulse[input], 8));
    }
  }
  return h.digest("hex").slice(0, 32);
}

let seen = new Int32Array(1 << 10);
let orderScratch = new Int32Array(1 << 10);
let joinedScratch = new Uint8Array(1 << 12);

/**
 * The order column and the joined ids of `batchId` from a routed batch's own id bytes (rows in
 * order: no read of the file's meter index per meter), the same bytes as the index would join;
 * undefined when an id is not ASCII (the index then joins its string's UTF-8).
 */
function joinedRowIds(batch: ReadingBatch, rowIds: RowIds): { order: Int32Array; bytes: Uint8Array } | undefined {
  const n = batch.length;
  // Meter -> local number, in an open-addressing table of (meter + 1, number) sized for the batch.
  let slots = 1 << 4;
  while (slots < 2 * n) slots <<= 1;
  if (seen.length < slots * 2) seen = new Int32Array(slots * 2);
  seen.fill(0, 0, slots * 2);
  if (orderScratch.length < n) orderScratch = new Int32Array(n);
  const order = orderScratch;
  const mask = slots - 1;
  const { bytes, at } = rowIds;
  if (joinedScratch.length < at[n] - at[0] + n) joinedScratch = new Uint8Array((at[n] - at[0] + n) * 2);
  const out = joinedScratch;
  let size = 0;
  let count = 0;
  let high = 0;
  for (let row = 0; row < n; row++) {
    const m = batch.meter[row];
    if (m < 0) {
      order[row] = -1;
      continue;
    }
    let s = Math.imul(m, 0x9e3779b1) & mask;
    for (;;) {
      const entry = seen[s << 1];
      if (entry === m + 1) {
        order[row] = seen[(s << 1) + 1];
        break;
      }
      if (entry === 0) {
        seen[s << 1] = m + 1;
        seen[(s << 1) + 1] = order[row] = count;
        if (count++ > 0) out[size++] = 0x0a;
        for (let i = at[row], to = at[row + 1]; i < to; i++) {
          const c = bytes[i];
          high |= c;
          out[size++] = c;
        }
        break;
      }
      s = (s + 1) & mask;
    }
  }
  return high < 0x80 ? { order, bytes: out.subarray(0, size) } : undefined;
}
