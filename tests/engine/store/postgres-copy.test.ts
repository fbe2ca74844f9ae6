// The binary COPY codec of the PostgreSQL store, without a server: what encodeCopy writes,
// readCopyRows reads back, wherever the stream is cut into chunks (a row, a length, a BLOB split
// across chunks) and whatever the chunk sizes.
import { describe, expect, it } from "vitest";
import { encodeCopy, readCopyRows } from "../../../engine/store/postgres/copy.js";
import type { CopyKind, CopyValue } from "../../../engine/store/postgres/copy.js";

const KINDS: CopyKind[] = ["int", "text", "float", "bytea", "bytea"];

function rowsOf(count: number): CopyValue[][] {
  return Array.from({ length: count }, (_, i) => [
    i * 7 - 3,
    i % 4 === 0 ? null : `m-${i} é 電`.repeat(i % 3),
    i / 3,
    i % 5 === 0 ? null : Uint8Array.from({ length: (i * 37) % 300 }, (_, k) => (k * 13 + i) & 255),
    new Uint8Array(i % 2 === 0 ? 0 : 5000 + i),
  ]);
}

function encoded(rows: CopyValue[][]): Buffer {
  return Buffer.concat([...encodeCopy(KINDS, rows.length, (r, c) => rows[r][c])]);
}

async function* split(data: Buffer, sizes: (i: number) => number): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.max(1, sizes(i));
    yield data.subarray(at, at + n);
    at += n;
  }
}

const plain = (rows: CopyValue[][]) => rows.map((row) => row.map((v) => (v instanceof Uint8Array ? [...v] : v)));

describe("binary COPY codec", () => {
  it("reads back what it writes, cut anywhere", async () => {
    const rows = rowsOf(40);
    const data = encoded(rows);
    for (const size of [1, 2, 3, 5, 19, 64, 4096, 65_536, data.length]) {
      expect(plain(await readCopyRows(split(data, () => size), KINDS)), `chunks of ${size}`).toEqual(plain(rows));
    }
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) % 9000;
    expect(plain(await readCopyRows(split(data, random), KINDS))).toEqual(plain(rows));
  });

  it("reads no rows, and refuses a stream cut short or not binary", async () => {
    expect(await readCopyRows(split(encoded([]), () => 3), KINDS)).toEqual([]);
    const data = encoded(rowsOf(3));
    await expect(readCopyRows(split(data.subarray(0, data.length - 1), () => 10), KINDS)).rejects.toThrow(/trailer/);
    await expect(readCopyRows(split(Buffer.from("id\tname\n1\tx\n".repeat(3)), () => 10), KINDS)).rejects.toThrow(/binary/);
  });
});
