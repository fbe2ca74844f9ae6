// A table's rows as plain data for another thread (the registry import thread posts its rows to
// the main thread as it reads them): buffers that are transferred, not copied, on arrival.
import { NUMBER_FIELDS, RegistryTable, TEXT_FIELDS } from "./registry-table.js";

/**
 * Rows of a table as plain data for another thread (tableChunk, tableOfChunk):
 * the ids' bytes and offsets into them, and each column as one value or the rows' values.
 */
export interface RegistryChunk {
  length: number;
  asciiIds: boolean;
  arena: Uint8Array;
  idStart: Int32Array;
  idEnd: Int32Array;
  hash: Uint32Array;
  /** NUMBER_FIELDS order. */
  numbers: Array<{ constant: number; data: Float64Array | null }>;
  /** TEXT_FIELDS order. */
  texts: Array<{ constant: string | null; data: Array<string | null> | null }>;
}

/**
 * Rows `[from, to)` of `t` as a RegistryChunk of fresh buffers (`transfer` lists them, for postMessage);
 * a column whose rows in the range agree travels as that one value.
 */
export function tableChunk(t: RegistryTable, from: number, to: number): { chunk: RegistryChunk; transfer: ArrayBuffer[] } {
  const n = to - from;
  const low = n === 0 ? 0 : t.idStart[from];
  const high = n === 0 ? 0 : t.idEnd[to - 1];
  const arena = new Uint8Array(high - low);
  arena.set(t.arena.subarray(low, high));
  const idStart = new Int32Array(n);
  const idEnd = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    idStart[i] = t.idStart[from + i] - low;
    idEnd[i] = t.idEnd[from + i] - low;
  }
  const hash = t.hash.slice(from, to);
  const transfer: ArrayBuffer[] = [arena.buffer, idStart.buffer, idEnd.buffer, hash.buffer];
  const numbers = NUMBER_FIELDS.map((name) => {
    const { constant, data } = t[name];
    if (data === null || n === 0) return { constant, data: null };
    const first = data[from];
    let same = true;
    for (let r = from + 1; r < to && same; r++) same = Object.is(data[r], first);
    if (same) return { constant: first, data: null };
    const slice = data.slice(from, to);
    transfer.push(slice.buffer);
    return { constant, data: slice };
  });
  const texts = TEXT_FIELDS.map((name) => {
    const { constant, data } = t[name];
    if (data === null || n === 0) return { constant, data: null };
    const first = data[from];
    let same = true;
    for (let r = from + 1; r < to && same; r++) same = data[r] === first;
    return same ? { constant: first, data: null } : { constant, data: data.slice(from, to) };
  });
  return { chunk: { length: n, asciiIds: t.asciiIds, arena, idStart, idEnd, hash, numbers, texts }, transfer };
}

/** The table of a chunk's rows (its buffers are used, not copied). */
export function tableOfChunk(c: RegistryChunk): RegistryTable {
  const t = new RegistryTable(0, 0);
  t.length = c.length;
  t.capacity = c.length;
  t.asciiIds = c.asciiIds;
  t.arena = Buffer.from(c.arena.buffer, c.arena.byteOffset, c.arena.byteLength);
  t.arenaLength = c.arena.byteLength;
  t.idStart = c.idStart;
  t.idEnd = c.idEnd;
  t.hash = c.hash;
  NUMBER_FIELDS.forEach((name, k) => {
    t[name].constant = c.numbers[k].constant;
    t[name].data = c.numbers[k].data;
  });
  TEXT_FIELDS.forEach((name, k) => {
    t[name].constant = c.texts[k].constant;
    t[name].data = c.texts[k].data;
  });
  return t;
}
