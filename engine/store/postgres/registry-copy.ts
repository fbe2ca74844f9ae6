// The registry rows of an import (a RegistryTable) as a binary COPY stream, straight from its
// columns: meter ids from the table's UTF-8 arena, a column with one value for every row encoded
// once and copied, the others encoded row by row. copy.ts has the format; this is its columnar
// twin for the one bulk write that has a million rows.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { ROLLOVER_MODE } from "../../consumption/registers.js";
import type { RegistryTable } from "../../meters/registry-table.js";
import { pulseInputName } from "../../pulses/profiles.js";
import { BUCKETS_PER_PARTITION } from "../contract.js";

/** Cell kinds of the registry fields, in table order after meter_id, partition and bucket. */
export type RegistryKind = "text" | "float" | "int";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);
const CHUNK = 1 << 20;

/** Field `k`'s value of row `r`: text fields as strings, numbers NaN when not given. */
function cell(t: RegistryTable, k: number, r: number): string | number | null {
  switch (k) {
    case 0: return t.type.get(r) ?? "";
    case 1: return t.unit.get(r) ?? "";
    case 2: return t.scalingFactor.get(r);
    case 3: return t.resetValue.get(r);
    case 4: return t.digits.get(r);
    case 5: return t.rolloverMode.get(r) === ROLLOVER_MODE.modulus ? "modulus" : "documented";
    case 6: return t.parentId.get(r);
    case 7: return t.unitPrice.get(r);
    case 8: return t.basicFeePerDay.get(r);
    case 9: return t.costCenter.get(r);
    case 10: return t.glAccount.get(r);
    case 11: return t.lastReading.get(r);
    case 12: return t.lastEnd.get(r);
    case 13: return t.pulseWeight.get(r);
    case 14: {
      const input = t.pulseInput.get(r);
      return input === input ? pulseInputName(input) : null;
    }
    case 15: return t.pulseWidthMs.get(r);
    case 16: return t.qmax.get(r);
    case 17: return t.noPulseDays.get(r);
    default: return t.debounceMs.get(r);
  }
}

/** Writes one cell at `at` (room for it is there); returns the position after it. */
function writeCell(out: Buffer, dv: DataView, at: number, kind: RegistryKind, v: string | number | null, k: number, r: number): number {
  if (v === null || (typeof v === "number" && v !== v)) {
    dv.setInt32(at, -1);
    return at + 4;
  }
  if (kind === "float") {
    dv.setInt32(at, 8);
    dv.setFloat64(at + 4, v as number);
    return at + 12;
  }
  if (kind === "int") {
    if (!Number.isInteger(v) || (v as number) < -0x80000000 || (v as number) > 0x7fffffff) {
      throw new RangeError(`field ${k + 4} of row ${r + 1}: ${String(v)} is not a 32-bit integer`);
    }
    dv.setInt32(at, 4);
    dv.setInt32(at + 4, v as number);
    return at + 8;
  }
  const n = out.write(v as string, at + 4, "utf8");
  dv.setInt32(at, n);
  return at + 4 + n;
}

/** Most bytes a cell of `v` takes. */
const cellBytes = (v: string | number | null) => (typeof v === "string" ? 4 + 3 * v.length : 12);

/** What to write after a row's id, partition and bucket: bytes encoded once, or a field to encode per row. */
type Step = Uint8Array | number;

function plan(t: RegistryTable, kinds: readonly RegistryKind[], constant: readonly boolean[]): Step[] {
  const steps: Step[] = [];
  let run: Buffer[] = [];
  const flush = () => {
    if (run.length > 0) steps.push(Buffer.concat(run));
    run = [];
  };
  kinds.forEach((kind, k) => {
    if (!constant[k]) {
      flush();
      steps.push(k);
      return;
    }
    const v = cell(t, k, 0);
    const out = Buffer.alloc(cellBytes(v));
    run.push(out.subarray(0, writeCell(out, new DataView(out.buffer, out.byteOffset, out.length), 0, kind, v, k, 0)));
  });
  flush();
  return steps;
}

/** The binary COPY stream of every row of `t` (meter_id, partition, bucket, then the fields of `kinds`). */
export function* encodeRegistryCopy(t: RegistryTable, kinds: readonly RegistryKind[], constant: readonly boolean[], partitions: number): Generator<Buffer> {
  yield HEADER;
  yield* encodeRows(t, kinds, constant, partitions);
  yield TRAILER;
}

/** The rows of `t` in binary COPY format (no header, no trailer). */
function* encodeRows(t: RegistryTable, kinds: readonly RegistryKind[], constant: readonly boolean[], partitions: number): Generator<Buffer> {
  const buckets = partitions * BUCKETS_PER_PARTITION;
  const steps = plan(t, kinds, constant);
  const fields = 3 + kinds.length;
  // A row's most bytes, but for its id and its texts encoded per row.
  let fixed = 2 + 4 + 16;
  const texts: number[] = [];
  for (const step of steps) {
    if (typeof step !== "number") fixed += step.length;
    else if (kinds[step] === "text") texts.push(step);
    else fixed += 12;
  }
  let out = Buffer.allocUnsafe(CHUNK);
  let dv = new DataView(out.buffer, out.byteOffset, out.length);
  let at = 0;
  for (let r = 0; r < t.length; r++) {
    const s = t.idStart[r];
    const e = t.idEnd[r];
    let need = fixed + e - s;
    for (const k of texts) need += cellBytes(cell(t, k, r));
    if (at + need > out.length) {
      yield out.subarray(0, at);
      out = Buffer.allocUnsafe(Math.max(CHUNK, need));
      dv = new DataView(out.buffer, out.byteOffset, out.length);
      at = 0;
    }
    dv.setInt16(at, fields);
    dv.setInt32(at + 2, e - s);
    at += 6;
    const arena = t.arena;
    for (let b = s; b < e; b++) out[at++] = arena[b];
    const bucket = t.hash[r] % buckets;
    dv.setInt32(at, 4);
    dv.setInt32(at + 4, bucket % partitions);
    dv.setInt32(at + 8, 4);
    dv.setInt32(at + 12, bucket);
    at += 16;
    for (let j = 0; j < steps.length; j++) {
      const step = steps[j];
      if (typeof step === "number") {
        at = writeCell(out, dv, at, kinds[step], cell(t, step, r), step, r);
      } else if (step.length > 16) {
        out.set(step, at);
        at += step.length;
      } else {
        for (let b = 0; b < step.length; b++) out[at++] = step[b];
      }
    }
  }
  if (at > 0) yield out.subarray(0, at);
}

/** Which fields have one value for every row of `t` (encoded once). */
export type ConstantFields = (t: RegistryTable) => readonly boolean[];

/**
 * `COPY table (columns) FROM STDIN (FORMAT binary)` of every row of the tables `tables` gives, as
 * they come; the caller holds the transaction. Rejects with the source's error if it fails.
 */
export async function copyRegistry(client: pg.PoolClient, table: string, columns: readonly string[], tables: Iterable<RegistryTable> | AsyncIterable<RegistryTable>,
  kinds: readonly RegistryKind[], constant: ConstantFields, partitions: number): Promise<number> {
  let rows = 0;
  async function* encode(): AsyncGenerator<Buffer> {
    yield HEADER;
    for await (const t of tables) {
      rows += t.length;
      yield* encodeRows(t, kinds, constant(t), partitions);
    }
    yield TRAILER;
  }
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from(encode()), stream);
  return rows;
}
