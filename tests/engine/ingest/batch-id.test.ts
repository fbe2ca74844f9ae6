// Batch ids (ingest/batch-id.ts) name content alone: the same rows give the same id whatever meter
// index numbered their meters, and another id byte, another split of the same bytes between rows
// or another column value gives another id. Routed batches (ids as bytes per row) and decoded ones
// (meters numbered by first appearance) both.
import { describe, expect, it } from "vitest";
import { batchId } from "../../../engine/ingest/batch-id.js";
import { createMeterIndex, readReadings } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
import { routeByBucket } from "../../../engine/runtime/bucket-window.js";
import { tempDir, writeFile } from "./helpers.js";

const dir = tempDir();

function csv(rows: number): string {
  const lines = ["meter_id,end,value"];
  for (let i = 0; i < rows; i++) lines.push(`${i % 7 === 3 ? "Zähler" : "M"}-${(i * 37) % 211},2026-11-${String(1 + (i % 28)).padStart(2, "0")},${1000 + i}`);
  return `${lines.join("\n")}\n`;
}

/** The file's routed batches, read with a meter index that already holds `seeded` other ids (so its meter numbers differ). */
async function routed(path: string, seeded: number): Promise<ReadingBatch[]> {
  const meters = createMeterIndex();
  for (let i = 0; i < seeded; i++) meters.intern(`OTHER-${i}`);
  const out: ReadingBatch[] = [];
  for await (const b of routeByBucket(readReadings(path, { meters, batchSize: 150 }), { partitions: 4, batchSize: 200, meters, raw: false })) out.push(b);
  return out;
}

async function decoded(path: string, seeded: number): Promise<ReadingBatch[]> {
  const meters = createMeterIndex();
  for (let i = 0; i < seeded; i++) meters.intern(`OTHER-${i}`);
  const out: ReadingBatch[] = [];
  for await (const b of readReadings(path, { meters, batchSize: 150 })) out.push(b);
  return out;
}

describe("batchId", () => {
  const path = writeFile(dir, "ids.csv", csv(1000));

  it("gives routed batches the same ids whatever numbered their meters", async () => {
    const a = await routed(path, 0);
    const b = await routed(path, 97);
    expect(a.length).toBeGreaterThan(3);
    expect(a.every((x) => x.rowIds !== undefined)).toBe(true);
    expect(b.map((x) => x.batchId)).toEqual(a.map((x) => x.batchId));
    expect(b[0].meter[0]).not.toBe(a[0].meter[0]);
    expect(new Set(a.map((x) => x.batchId)).size).toBe(a.length);
  });

  it("gives decoded batches the same ids whatever numbered their meters", async () => {
    const a = await decoded(path, 0);
    const b = await decoded(path, 53);
    expect(a.map(batchId)).toEqual(b.map(batchId));
    expect(new Set(a.map(batchId)).size).toBe(a.length);
  });

  it("tells routed batches apart by an id byte, by where the bytes split between rows, and by a value", async () => {
    const [first] = await routed(path, 0);
    const ids = first.rowIds!;
    const id = batchId(first);
    const withIds = (bytes: Uint8Array, at: Int32Array) => batchId({ ...first, rowIds: { bytes, at } });
    expect(withIds(ids.bytes, ids.at)).toBe(id);
    const changed = ids.bytes.slice();
    changed[ids.at[1] - 1] ^= 1;
    expect(withIds(changed, ids.at)).not.toBe(id);
    const moved = ids.at.slice();
    moved[1] -= 1;
    expect(withIds(ids.bytes, moved)).not.toBe(id);
    const value = first.value.slice();
    value[0] += 1;
    expect(batchId({ ...first, value })).not.toBe(id);
  });

  it("reads a routed batch's ids from where its offsets start", async () => {
    const [first] = await routed(path, 0);
    const { bytes, at } = first.rowIds!;
    const shift = 5;
    const padded = new Uint8Array(bytes.length + shift);
    padded.set(bytes, shift);
    const shifted = Int32Array.from(at, (x) => x + shift);
    expect(batchId({ ...first, rowIds: { bytes: padded, at: shifted } })).toBe(batchId(first));
  });
  it("tells batches apart by their sensor values, their instants and photos", async () => {
    const [first] = await decoded(path, 0);
    const sensors = { length: 2, row: Int32Array.of(0, 1), channel: Uint16Array.of(0, 0), time: Float64Array.of(1e12, 1e12 + 60_000), value: Float64Array.of(5, 5) };
    const id = batchId({ ...first, sensors });
    expect(id).not.toBe(batchId(first));
    expect(batchId({ ...first, sensors: { ...sensors, value: Float64Array.of(5, 9) } })).not.toBe(id);
    expect(batchId({ ...first, sensors: { ...sensors, time: Float64Array.of(1e12, 1e12 + 120_000) } })).not.toBe(id);
    expect(batchId({ ...first, sensors: { ...sensors, channel: Uint16Array.of(0, 1) } })).not.toBe(id);
    expect(batchId({ ...first, sensors: { ...sensors } })).toBe(id);
    const photo = new Uint8Array(first.length);
    expect(batchId({ ...first, photo })).not.toBe(batchId(first));
  });
});
