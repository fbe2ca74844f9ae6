// readReadings: the format by extension or option, real files, and the errors of inputs that
// cannot be read at all.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { createMeterIndex, formatOfPath, IngestError, readReadings } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
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
