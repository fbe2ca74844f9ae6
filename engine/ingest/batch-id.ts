// Content-addressed batch ids: the same readings in the same batch give the same id in any run,
// so a batch committed before is recognised (a rerun, a redelivery, a run killed midway).
import { createHash } from "node:crypto";
import type { ReadingBatch } from "./batch.js";
import { PULSE_INPUTS } from "./pulse-fields.js";

/** SHA-256 over the batch's decoded columns; meters by registry key, unknown ones by id. */
export function batchId(batch: ReadingBatch, keys: Int32Array): string {
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
  h.update(bytes(keys, 4));
  if (batch.pulse !== undefined) {
    for (const input of PULSE_INPUTS) {
      h.update(input);
      h.update(bytes(batch.pulse[input], 8));
    }
  }
  for (let row = 0; row < n; row++) {
    if (keys[row] < 0 && batch.meter[row] >= 0) h.update(`${row}:${batch.meters.idOf(batch.meter[row])}\n`);
  }
  return h.digest("hex").slice(0, 32);
}
