// readReadings: the format by extension or option, real files, and the errors of inputs that
// cannot be read at all; readFileChunks, the reader under it that lends its two buffers.
import { chmodSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { createMeterIndex, formatOfPath, IngestError, readFileChunks, readReadings } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
import { mulberry32 } from "../../helpers/random.js";
import { flatten, options, rowsOf, tempDir, writeFile } from "./helpers.js";

const dir = tempDir();
const read = (path: string, extra: Record<string, unknown> = {}) => rowsOf(readReadings(path, options(createMeterIndex(), extra)));

describe("readReadings", () => {
  it("chooses the format by extension", async () => {
    const csv = writeFile(dir, "r.csv", "meter_id,end,value\nA,2026-11-30,1\n");
    const ndjson = writeFile(dir, "r.ndjson", '{"meter_id":"B","end":"2026-11-30","value":2}\n');
    const jsonl = writeFile(dir, "r.JSONL", '{"meter_id":"C","end":"2026-11-30","value":3}\n');
    const msgpack = writeFile(dir, "r.msgpack", pack({ meter_id: "D", end: "2026-11-30", value: 4 }));
    const mpk = writeFile(dir, "r.mpk", pack({ meter_id: "E", end: "2026-11-30", value: 5 }));
    const got = await Promise.all([csv, ndjson, jsonl, msgpack, mpk].map((path) => read(path)));
    expect(got.map((rows) => rows.map((r) => [r.meter, r.value]))).toEqual([[["A", 1]], [["B", 2]], [["C", 3]], [["D", 4]], [["E", 5]]]);
    expect(formatOfPath("x/y.Csv")).toBe("csv");
    expect(formatOfPath("x/y.txt")).toBeNull();
  });

  it("lets the format option override the extension", async () => {
    const path = writeFile(dir, "readings.txt", '{"meter_id":"A","end":"2026-11-30","value":1}\n');
    expect((await read(path, { format: "ndjson" })).map((r) => r.meter)).toEqual(["A"]);
    await expect(read(path)).rejects.toMatchObject({ code: "MF_ERR_INPUT_FORMAT" });
    await expect(read(path, { format: "xml" })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
  });

  it("reads a file larger than one chunk, rows straddling chunk boundaries", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `"M ${i % 97}",2026-11-${String(1 + (i % 30)).padStart(2, "0")},${i}.5`);
    const path = writeFile(dir, "big.csv", `meter_id,end,value\n${lines.join("\n")}\n`);
    // Keep every batch until the end: their raw text must survive the reads that follow.
    const batches: ReadingBatch[] = [];
    for await (const batch of readReadings(path, options(createMeterIndex(), { chunkBytes: 1000, batchSize: 999 }))) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([999, 999, 999, 999, 999, 5]);
    const rows = batches.flatMap(flatten);
    expect(rows).toHaveLength(5000);
    expect(rows.map((r) => r.value)).toEqual(lines.map((_, i) => i + 0.5));
    expect(rows.map((r) => r.raw)).toEqual(lines);
    expect(rows.map((r) => r.line)).toEqual(lines.map((_, i) => i + 2));
  });

  it("keeps every row's raw text when each chunk ends exactly at a line end (the reader reuses its buffers)", async () => {
    // Lines of 20 bytes and a 20-byte header (CRLF): every 200-byte chunk ends at a line end,
    // where a window that kept the chunk itself (not a copy) would see it overwritten by a later read.
    const lines = Array.from({ length: 3000 }, (_, i) => `M${String(i).padStart(4, "0")},2026-11-30,${String(i % 100).padStart(2, "0")}`);
    const path = writeFile(dir, "aligned.csv", `meter_id,end,value\r\n${lines.map((l) => `${l}\n`).join("")}`);
    const batches: ReadingBatch[] = [];
    for await (const batch of readReadings(path, options(createMeterIndex(), { chunkBytes: 200, batchSize: 500 }))) batches.push(batch);
    const rows = batches.flatMap(flatten);
    expect(rows.map((r) => r.raw)).toEqual(lines);
    expect(rows.map((r) => r.value)).toEqual(lines.map((_, i) => i % 100));
  });

  it("reads rows' raw text back from the file (rawFromFile) as it would keep it, for every shape of record", async () => {
    const next = mulberry32(11);
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const kind = next();
      const id = kind < 0.05 ? `"M ${i}\nsecond line"` : kind < 0.1 ? `"M ""${i}"""` : `Zähler-${i}`;
      const end = kind > 0.97 ? "2026-13-01" : `2026-11-${String(1 + (i % 28)).padStart(2, "0")}`;
      const value = kind > 0.95 && kind <= 0.97 ? "abc" : `${i}.25`;
      lines.push(`${id},${end},${value}`);
    }
    // A byte order mark, CRLF and LF line ends mixed.
    const text = `\ufeffmeter_id,end,value\r\n${lines.map((l, i) => `${l}${i % 3 === 0 ? "\r\n" : "\n"}`).join("")}`;
    const path = writeFile(dir, "raw-back.csv", text);
    const rowsWith = async (rawFromFile: boolean, chunkBytes: number) => {
      const batches: ReadingBatch[] = [];
      for await (const batch of readReadings(path, options(createMeterIndex(), { chunkBytes, batchSize: 777, rawFromFile }))) batches.push(batch);
      // Asked for after every chunk was read: the window's storage has been reused many times over.
      return batches.flatMap(flatten);
    };
    const kept = await rowsWith(false, 1 << 20);
    expect(kept.filter((r) => r.reject !== null).length).toBeGreaterThan(50);
    expect(kept.filter((r) => r.raw.includes("\n")).length).toBeGreaterThan(50);
    for (const chunkBytes of [64, 1000, 4093, 1 << 16]) expect(await rowsWith(true, chunkBytes), `chunks of ${chunkBytes}`).toEqual(kept);
  });

  it("says MF_ERR_INPUT_READ when a row's raw text cannot be read back (the file changed under the run)", async () => {
    const path = writeFile(dir, "shrinks.csv", `meter_id,end,value\n${Array.from({ length: 100 }, (_, i) => `M${i},2026-11-30,${i}`).join("\n")}\n`);
    const batches: ReadingBatch[] = [];
    for await (const batch of readReadings(path, options(createMeterIndex(), { batchSize: 50, rawFromFile: true }))) batches.push(batch);
    writeFile(dir, "shrinks.csv", "meter_id,end,value\n");
    expect(() => batches[1].rawOf(0)).toThrow(expect.objectContaining({ code: "MF_ERR_INPUT_READ" }));
  });

  it("reads a file as lent chunks that cover it in order, and stops reading when the caller stops", async () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join("");
    const path = writeFile(dir, "chunks.txt", text);
    const handle = await open(path, "r");
    const copies: Buffer[] = [];
    const seen: Buffer[] = [];
    for await (const chunk of readFileChunks(handle, path, 333, (c) => seen.push(Buffer.from(c)))) copies.push(Buffer.from(chunk));
    await handle.close();
    expect(Buffer.concat(copies).toString()).toBe(text);
    expect(copies.every((c, i) => c.length === (i < copies.length - 1 ? 333 : text.length % 333))).toBe(true);
    expect(Buffer.concat(seen).toString()).toBe(text);
    const again = await open(path, "r");
    for await (const chunk of readFileChunks(again, path, 100)) {
      expect(Buffer.from(chunk).toString()).toBe(text.slice(0, 100));
      break;
    }
    // The read under way when the caller stopped has ended: the handle closes cleanly.
    await again.close();
  });

  it("turns a read that fails into MF_ERR_INPUT_READ naming the path", async () => {
    const handle = await open(dir, "r");
    const error = await (async () => {
      for await (const _ of readFileChunks(handle, dir, 100)) void _;
    })().catch((e: unknown) => e);
    await handle.close();
    expect(error).toMatchObject({ code: "MF_ERR_INPUT_READ", message: expect.stringContaining(dir) });
  });

  it("rejects a missing file, a directory and an unreadable file with MF_ERR_INPUT_OPEN naming the path", async () => {
    const missing = join(dir, "missing.csv");
    const error = await read(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestError);
    expect(error).toMatchObject({ code: "MF_ERR_INPUT_OPEN", name: "IngestError" });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).not.toContain("\n");
    await expect(read(join(dir, "sub.csv").replace("sub.csv", ""), { format: "csv" })).rejects.toMatchObject({ code: "MF_ERR_INPUT_OPEN" });
    const locked = writeFile(dir, "locked.csv", "meter_id,end,value\n");
    chmodSync(locked, 0o000);
    if (process.getuid?.() !== 0) await expect(read(locked)).rejects.toMatchObject({ code: "MF_ERR_INPUT_OPEN" });
    chmodSync(locked, 0o644);
  });

  it("rejects a CSV header without a required column with MF_ERR_INPUT_HEADER", async () => {
    const path = writeFile(dir, "nohead.csv", "meter,end,value\nA,2026-11-30,1\n");
    await expect(read(path)).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER", message: expect.stringContaining("meter_id") });
  });

  it("closes the file when the consumer stops early", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `M${i},2026-11-30,${i}`);
    const path = writeFile(dir, "early.csv", `meter_id,end,value\n${lines.join("\n")}\n`);
    for await (const batch of readReadings(path, options(createMeterIndex(), { batchSize: 10, chunkBytes: 64 }))) {
      expect(batch.length).toBe(10);
      break;
    }
    // Nothing left open: reading it again from the start works and sees every row.
    expect(await read(path)).toHaveLength(1000);
  });
});
