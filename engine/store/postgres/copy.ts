// COPY in PostgreSQL's binary format, both ways: the bulk path for BLOBs and registry rows.
//
// Why binary: a bytea in a query parameter or result travels as hex text (twice its size, encoded
// and parsed on both sides), and pg's own `binary` result mode decodes every field as UTF-8
// first, which corrupts BLOBs. Measured here, 4096 registry BLOBs of 24 KB: unnest of bytea[]
// 10.0 s, a parameter per BLOB 3.0 s, binary COPY 0.9 s.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { direct, send } from "./pipeline.js";
import type { Statements } from "./pipeline.js";

/** Column kinds the codec knows: int4, float8, text and bytea. */
export type CopyKind = "int" | "float" | "text" | "bytea";

export type CopyValue = number | string | Uint8Array | null;

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);
/**
 * Every chunk becomes a CopyData message and two socket writes, so chunks are large: a night's
 * 4096 state BLOBs of 10 KB copied into 1 MB chunks cost the writer thread less (measured, 41 MB
 * per COPY, noisy machine: 150-310 ms of CPU with 64 KB chunks and 4 KB BLOBs passed through,
 * 95-245 ms now) than passing each through (12,000 writes).
 */
const CHUNK = 1 << 20;
/** BLOBs at least this long are passed through as they are, not copied into the chunk. */
const PASS_THROUGH = 1 << 18;

/** Writes `s` as UTF-8 at `at`, returning its byte length; short ASCII (ids, codes) byte by byte. */
function writeUtf8(out: Buffer, s: string, at: number): number {
  if (s.length > 64) return out.write(s, at, "utf8");
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return out.write(s, at, "utf8");
    out[at + i] = c;
  }
  return s.length;
}

/** The binary COPY stream of `count` rows, chunk by chunk; `value(row, column)` gives each cell. */
export function* encodeCopy(kinds: readonly CopyKind[], count: number, value: (row: number, column: number) => CopyValue): Generator<Buffer> {
  yield HEADER;
  let out = Buffer.allocUnsafe(CHUNK);
  let at = 0;
  const room = (n: number) => {
    if (at + n <= out.length) return undefined;
    const full = out.subarray(0, at);
    out = Buffer.allocUnsafe(Math.max(CHUNK, n));
    at = 0;
    return full;
  };
  for (let row = 0; row < count; row++) {
    let full = room(2);
    if (full !== undefined) yield full;
    at = out.writeInt16BE(kinds.length, at);
    for (let column = 0; column < kinds.length; column++) {
      const v = value(row, column);
      const kind = kinds[column];
      if (v === null || v === undefined) {
        if ((full = room(4)) !== undefined) yield full;
        at = out.writeInt32BE(-1, at);
      } else if (kind === "int") {
        // Buffer would truncate 1.5 and write NaN as 0; a parameter would have been refused.
        if (!Number.isInteger(v) || (v as number) < -0x80000000 || (v as number) > 0x7fffffff) {
          throw new RangeError(`column ${column + 1} of row ${row + 1}: ${String(v)} is not a 32-bit integer`);
        }
        if ((full = room(8)) !== undefined) yield full;
        at = out.writeInt32BE(4, at);
        at = out.writeInt32BE(v as number, at);
      } else if (kind === "float") {
        if ((full = room(12)) !== undefined) yield full;
        at = out.writeInt32BE(8, at);
        at = out.writeDoubleBE(v as number, at);
      } else if (kind === "text") {
        const s = v as string;
        // UTF-8 takes at most 3 bytes per UTF-16 unit.
        if ((full = room(4 + s.length * 3)) !== undefined) yield full;
        const n = writeUtf8(out, s, at + 4);
        out.writeInt32BE(n, at);
        at += 4 + n;
      } else {
        const b = v as Uint8Array;
        if (b.length >= PASS_THROUGH) {
          if ((full = room(4)) !== undefined) yield full;
          at = out.writeInt32BE(b.length, at);
          yield out.subarray(0, at);
          out = out.subarray(at);
          at = 0;
          yield Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        } else {
          if ((full = room(4 + b.length)) !== undefined) yield full;
          at = out.writeInt32BE(b.length, at);
          out.set(b, at);
          at += b.length;
        }
      }
    }
  }
  if (at > 0) yield out.subarray(0, at);
  yield TRAILER;
}

/**
 * `COPY table (columns) FROM STDIN (FORMAT binary)` of `count` rows; the caller holds the
 * transaction. The column types of the table must be the kinds given (integer, double precision,
 * text, bytea).
 */
export async function copyIn(client: pg.ClientBase, table: string, columns: readonly string[], kinds: readonly CopyKind[],
  count: number, value: (row: number, column: number) => CopyValue): Promise<void> {
  if (count === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from(encodeCopy(kinds, count, value)), stream);
}

/**
 * Rows up to which writeRows inserts with one INSERT: a COPY FROM STDIN is two round trips (the
 * COPY, answered before its data goes), and a batch of one (a manual reading, a release) is
 * mostly its round trips.
 */
export const FEW_ROWS = 8;

const CASTS: Readonly<Record<CopyKind, string>> = { int: "integer", float: "double precision", text: "text", bytea: "bytea" };

/** A cell as a query parameter: a BLOB as a Buffer (sent binary), -0 kept (String(-0) is "0"). */
function parameter(v: CopyValue): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return typeof v === "number" && Object.is(v, -0) ? "-0" : v;
}

/**
 * `count` rows into `table` as copyIn writes them: up to FEW_ROWS by one INSERT of parameters
 * (`suffix`, such as an ON CONFLICT clause, goes after it; on a Pipeline, queued), more by copyIn. The columns' types
 * must be the kinds given, as for copyIn.
 */
export async function writeRows(to: Statements, table: string, columns: readonly string[], kinds: readonly CopyKind[],
  count: number, value: (row: number, column: number) => CopyValue, suffix = ""): Promise<void> {
  if (count === 0) return;
  if (count > FEW_ROWS) return copyIn(await direct(to), table, columns, kinds, count, value);
  const params: unknown[] = [];
  const rows: string[] = [];
  for (let row = 0; row < count; row++) {
    rows.push(`(${kinds.map((kind, c) => `$${params.push(parameter(value(row, c)))}::${CASTS[kind]}`).join(", ")})`);
  }
  await send(to, `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${rows.join(", ")} ${suffix}`, params);
}

/**
 * The bytes of a COPY TO answer as they arrive, read from the front. A read inside one chunk is a
 * view of it; only a read straddling chunks copies (a field's bytes, at most one per chunk).
 */
class ChunkQueue {
  #chunks: Buffer[] = [];
  /** Read position in the first chunk. */
  #at = 0;
  /** Bytes not read yet. */
  size = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The big-endian signed integer of `bytes` (2 or 4) `offset` bytes past the read position (`size` must cover it). */
  peekInt(offset: number, bytes: 2 | 4): number {
    let at = this.#at + offset;
    let i = 0;
    while (at >= this.#chunks[i].length) at -= this.#chunks[i++].length;
    const chunk = this.#chunks[i];
    if (at + bytes <= chunk.length) return bytes === 4 ? chunk.readInt32BE(at) : chunk.readInt16BE(at);
    let v = 0;
    for (let k = 0; k < bytes; k++, at++) {
      while (at >= this.#chunks[i].length) at -= this.#chunks[i++].length;
      v = (v << 8) | this.#chunks[i][at];
    }
    return bytes === 4 ? v | 0 : (v << 16) >> 16;
  }

  /** Reads the next big-endian signed integer of `bytes` (2 or 4). */
  readInt(bytes: 2 | 4): number {
    const v = this.peekInt(0, bytes);
    this.skip(bytes);
    return v;
  }

  skip(n: number): void {
    this.size -= n;
    this.#at += n;
    while (this.#chunks.length > 0 && this.#at >= this.#chunks[0].length) {
      this.#at -= this.#chunks[0].length;
      this.#chunks.shift();
    }
  }

  /** The next `n` bytes (`size` must cover them): a view when they lie in one chunk. */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0];
    this.size -= n;
    if (this.#at + n <= first.length) {
      const view = first.subarray(this.#at, this.#at + n);
      this.#at += n;
      if (this.#at === first.length) this.#next();
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      const k = Math.min(n - filled, chunk.length - this.#at);
      chunk.copy(out, filled, this.#at, this.#at + k);
      filled += k;
      this.#at += k;
      if (this.#at === chunk.length) this.#next();
    }
    return out;
  }

  #next(): void {
    this.#chunks.shift();
    this.#at = 0;
  }
}

/**
 * The rows of `COPY (query) TO STDOUT (FORMAT binary)`, each cell decoded by its kind, parsed as
 * the answer arrives: BLOBs are views of the chunks they came in, never gathered into one buffer
 * first (a fresh buffer of the whole answer, 34 MB for a night's 4096 buckets, cost 75-230 ms in
 * first-touch page faults alone here).
 */
export async function copyOut(client: pg.PoolClient, query: string, kinds: readonly CopyKind[]): Promise<CopyValue[][]> {
  return readCopyRows(client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`)), kinds);
}

/** The rows of a binary COPY stream, chunk by chunk as they arrive (copyOut; tests split streams anywhere). */
export async function readCopyRows(chunks: AsyncIterable<Uint8Array>, kinds: readonly CopyKind[]): Promise<CopyValue[][]> {
  const q = new ChunkQueue();
  const rows: CopyValue[][] = [];
  let header = false;
  let ended = false;
  for await (const chunk of chunks) {
    q.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!header) {
      // Signature, flags, then a header extension of the length it says.
      if (q.size < HEADER.length) continue;
      for (let i = 0; i < SIGNATURE.length; i++) {
        if (((q.peekInt(i, 2) >> 8) & 0xff) !== SIGNATURE[i]) throw new Error("COPY TO STDOUT did not answer in binary format");
      }
      const extension = q.peekInt(SIGNATURE.length + 4, 4);
      if (q.size < HEADER.length + extension) continue;
      q.skip(HEADER.length + extension);
      header = true;
    }
    if (!ended) ended = readRows(q, kinds, rows);
  }
  if (!ended) throw new Error("COPY TO STDOUT ended before its trailer");
  return rows;
}

/** Reads the complete rows `q` holds into `rows`; true once the trailer is read. */
function readRows(q: ChunkQueue, kinds: readonly CopyKind[], rows: CopyValue[][]): boolean {
  for (;;) {
    if (q.size < 2) return false;
    const fields = q.peekInt(0, 2);
    if (fields === -1) {
      q.skip(2);
      return true;
    }
    // Whole rows only: walk the field lengths first.
    let length = 2;
    for (let column = 0; column < fields; column++) {
      if (q.size < length + 4) return false;
      const n = q.peekInt(length, 4);
      length += 4 + (n > 0 ? n : 0);
    }
    if (q.size < length) return false;
    q.skip(2);
    const row = new Array<CopyValue>(fields);
    for (let column = 0; column < fields; column++) {
      const n = q.readInt(4);
      if (n === -1) {
        row[column] = null;
        continue;
      }
      const data = q.take(n);
      const kind = kinds[column];
      if (kind === "int") row[column] = data.readInt32BE(0);
      else if (kind === "float") row[column] = data.readDoubleBE(0);
      else if (kind === "text") row[column] = data.toString("utf8");
      // A view of the answer, not a copy: the rows keep its chunks alive, and nothing else writes to them.
      else row[column] = data;
    }
    rows.push(row);
  }
}
