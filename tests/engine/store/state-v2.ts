// A state BLOB of version 2, as a meterflow before format 3 wrote it (8-byte header, no int32
// columns): for tests that the code still reads stores written before.
import { STATE_FIELDS } from "../../../engine/store/state.js";
import type { MeterState } from "../../../engine/store/state.js";

/** The first `n` meters of `state` as a version-2 BLOB; the fields named in `once` stored once (every meter shares them). */
export function stateBlobVersion2(state: MeterState, n: number, once: readonly string[] = []): Uint8Array {
  const pad8 = (k: number) => (k + 7) & ~7;
  const mask = STATE_FIELDS.reduce((m, [name], f) => (once.includes(name) ? m | (1 << f) : m), 0);
  const parts: Uint8Array[] = [Uint8Array.from([2, STATE_FIELDS.length, mask & 0xff, mask >> 8, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24])];
  for (const [name, ctor] of STATE_FIELDS) {
    const column = state[name] as unknown as Float64Array;
    const size = (once.includes(name) ? 1 : n) * ctor.BYTES_PER_ELEMENT;
    const bytes = new Uint8Array(pad8(size));
    bytes.set(new Uint8Array(column.buffer, column.byteOffset, size));
    parts.push(bytes);
  }
  return Uint8Array.from(Buffer.concat(parts));
}
