// The wire format of readings messages: what ingest decoded comes back exactly after
// batching by partition, encoding and decoding (sensor rows, pulse columns, non-ASCII ids
// included); batches stay under the byte budget; message ids depend only on content.
import { Readable } from "node:stream";
import { Packr } from "msgpackr";
import { describe, expect, test } from "vitest";
import { createMeterIndex, PULSE_FIELDS, PULSE_INPUTS, readCsvReadings } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
import { decodeBatch, encodeBatch, idTable, PartitionBatcher, readingBatchOf, readingsSubject, toMessages, toReadingBatch, WireMeterIndex, wireIds } from "../../../engine/nats/index.js";
import type { WireBatch } from "../../../engine/nats/index.js";
import { bucketOf, meterHash, partitionOf } from "../../../engine/store/contract.js";

const HEADER = `meter_id,end,value,override,source,verification,${Object.keys(PULSE_FIELDS).join(",")},temp_c`;
const EMPTY_PULSE = ",".repeat(PULSE_INPUTS.length - 1);
const CHANNELS = new Map([["temp_c", 0]]);

/** A CSV with every kind of row: plain, overridden, non-ASCII ids, pulse, sensor, rejected. */
function sampleCsv(meters = 40): string {
  const lines = [HEADER];
  for (let i = 0; i < meters; i++) {
    const id = i % 5 === 0 ? `Zähler-${i}-ü` : i % 7 === 0 ? `メーター${i}` : `M-${String(i).padStart(4, "0")}`;
    lines.push(`${id},2026-01-0${1 + (i % 3)},${100 + i * 1.25},,,,${EMPTY_PULSE},`);
    if (i % 4 === 0) lines.push(`${id},2026-01-05,${200 + i},${i + 0.5},manual,true,${EMPTY_PULSE},`);
    if (i % 6 === 0) lines.push(`P-${i},2026-01-04,${i},,,false,${i},${10 + i},3.5,,4.2,20.1,1,2,0,${30 + i},`);
    if (i % 9 === 0) lines.push(`S-${i},2026-01-04T12:30:00Z,,,,,${EMPTY_PULSE},${-18.5 + i}`);
    if (i % 11 === 0) lines.push(`bad-${i},not-a-date,1,,,,${EMPTY_PULSE},`);
  }
  return `${lines.join("\n")}\n`;
}

async function ingest(text: string, batchSize?: number): Promise<ReadingBatch[]> {
  const meters = createMeterIndex();
  const out: ReadingBatch[] = [];
  for await (const b of readCsvReadings(Readable.from([Buffer.from(text)]), { meters, channels: CHANNELS, batchSize })) out.push(b);
  return out;
}

/** Every valid row of ingest batches as a plain record (what the decision reads). */
function rowsOfIngest(batches: ReadingBatch[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const b of batches) {
    for (let r = 0; r < b.length; r++) {
      if (b.reject[r] !== 0) continue;
      const sensors: Array<[number, number, number]> = [];
      for (let i = 0; i < (b.sensors?.length ?? 0); i++) if (b.sensors!.row[i] === r) sensors.push([b.sensors!.channel[i], b.sensors!.time[i], b.sensors!.value[i]]);
      rows.push({
        meter: b.meters.idOf(b.meter[r]), end: b.end[r], value: b.value[r], line: b.line[r], override: b.override[r],
        source: b.source[r], verification: b.verification[r], sensorRow: b.sensorRow?.[r] ?? 0,
        pulse: PULSE_INPUTS.map((k) => b.pulse?.[k][r] ?? Number.NaN), sensors,
      });
    }
  }
  return rows;
}

function rowsOfWire(w: WireBatch): Record<string, unknown>[] {
  const rb = toReadingBatch(w, createMeterIndex(), CHANNELS);
  return rowsOfIngest([rb]);
}

function batchAll(batches: ReadingBatch[], partitions: number, maxBytes: number, windowBytes?: number): WireBatch[] {
  const batcher = new PartitionBatcher({ partitions, maxBytes, channels: ["temp_c"], windowBytes });
  const out: WireBatch[] = [];
  for (const b of batches) out.push(...batcher.add(b, ["night.csv"]));
  out.push(...batcher.flush());
  return out;
}

const byMeterOrder = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => String(a.meter).localeCompare(String(b.meter)) || (a.line as number) - (b.line as number));

describe("wire format", () => {
  test("round trip: every valid reading comes back exactly, on its partition, rejected rows left out", async () => {
    const batches = await ingest(sampleCsv());
    const expected = rowsOfIngest(batches);
    expect(expected.some((r) => r.sensorRow === 1 && (r.sensors as unknown[]).length === 1)).toBe(true);
    expect(expected.some((r) => (r.pulse as number[]).filter((v) => !Number.isNaN(v)).length === PULSE_INPUTS.length - 1)).toBe(true);
    expect(expected.some((r) => /[^\x00-\x7f]/.test(String(r.meter)))).toBe(true);
    const got: Record<string, unknown>[] = [];
    for (const w of batchAll(batches, 4, 1 << 20)) {
      const decoded = decodeBatch(encodeBatch(w));
      expect(decoded.file).toBe("night.csv");
      for (const row of rowsOfWire(decoded)) {
        expect(partitionOf(String(row.meter), 4)).toBe(decoded.partition);
        got.push(row);
      }
    }
    expect(got.length).toBe(expected.length);
    expect(byMeterOrder(got)).toEqual(byMeterOrder(expected));
    // No rejected row travels.
    expect(got.some((r) => String(r.meter).startsWith("bad-"))).toBe(false);
  });

  test("a meter's rows of a window go into one message where they fit, in end order, between other meters' rows (cluster audit)", async () => {
    // 40 meters' readings of 30 days, newest first and interleaved, under a small budget: the cut
    // fell inside a meter's rows, and its older readings came in a later message, judged late
    // (held back_dated_pulses, or billed with corrections) where `meterflow run` billed them.
    const lines = ["meter_id,end,value"];
    for (let d = 30; d >= 1; d--) for (let m = 0; m < 40; m++) lines.push(`M-${m},2026-01-${String(d).padStart(2, "0")},${1000 + d}`);
    const batches = await ingest(`${lines.join("\n")}\n`);
    const wires = batchAll(batches, 2, 8 << 10);
    expect(wires.length).toBeGreaterThan(4);
    const messagesOf = new Map<string, Set<number>>();
    let total = 0;
    wires.forEach((w, at) => {
      const rows = rowsOfWire(decodeBatch(encodeBatch(w)));
      total += rows.length;
      for (const r of rows) {
        const set = messagesOf.get(String(r.meter)) ?? new Set<number>();
        messagesOf.set(String(r.meter), set.add(at));
      }
      // Within a message, a meter's rows are in end order (so a meter cut over messages gets its
      // later days later: decided as new days, not as late ones).
      for (const [meter] of messagesOf) {
        const ends = rows.filter((r) => r.meter === meter).map((r) => r.end as number);
        expect(ends).toEqual([...ends].sort((a, b) => a - b));
      }
    });
    expect(total).toBe(40 * 30);
    expect([...messagesOf.values()].every((set) => set.size === 1)).toBe(true);
    // One meter's 300 days need several messages: each holds later days than the one before.
    const long = ["meter_id,end,value"];
    for (let d = 300; d >= 1; d--) long.push(`L-1,${new Date(Date.UTC(2026, 0, d)).toISOString().slice(0, 10)},${d}`);
    const cut = batchAll(await ingest(`${long.join("\n")}\n`), 2, 4 << 10).map((w) => rowsOfWire(decodeBatch(encodeBatch(w))).map((r) => r.end as number));
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.flat()).toEqual([...cut.flat()].sort((a, b) => a - b));
  });

  test("an events day reading's minutes travel with its row: a worker judges its qmax over its own day (pulse audit)", async () => {
    const [b] = await ingest("meter_id,end,value,pulse_debounced\nP-1,2026-03-29,7000,7000\nP-2,2026-03-30,5,\nR-1,2026-03-30,9,\n");
    // As runtime/pulse-events.ts sets them: the 29 March of Europe/Berlin lasts 23 hours.
    b.pulse!.dayMin[0] = 1380;
    b.pulse!.dayMin[1] = 1440;
    const got = batchAll([b], 2, 1 << 20).flatMap((w) => {
      const d = toReadingBatch(decodeBatch(encodeBatch(w)), createMeterIndex(), CHANNELS);
      return Array.from({ length: d.length }, (_, r) => [d.meters.idOf(d.meter[r]), d.pulse?.dayMin[r] ?? Number.NaN]);
    });
    expect(got.sort()).toEqual([["P-1", 1380], ["P-2", 1440], ["R-1", Number.NaN]]);
  });

  test("a meter id holding a line break or non-ASCII text keeps its bytes", async () => {
    const batches = await ingest(`meter_id,end,value\n"two\nlines",2026-01-01,1\nZähler,2026-01-01,2\nA,2026-01-01,3\n`);
    const wires = batchAll(batches, 1, 1 << 20);
    const d = decodeBatch(encodeBatch(wires[0]));
    expect(wireIds(d).sort()).toEqual(["A", "Zähler", "two\nlines"]);
    expect(byMeterOrder(rowsOfWire(d))).toEqual(byMeterOrder(rowsOfIngest(batches)));
  });

  test("optional columns are left out when every row has the default, and decode to the defaults", async () => {
    const batches = await ingest(`meter_id,end,value\nA,2026-01-01,1\nB,2026-01-02,2.5\n`);
    const [w] = batchAll(batches, 1, 1 << 20);
    const payload = encodeBatch(w);
    const text = Buffer.from(payload).toString("latin1");
    for (const key of ["override", "source", "verification", "sensor_row", "pulse", "sensors"]) expect(text.includes(key)).toBe(false);
    const d = decodeBatch(payload);
    expect([...d.override].every(Number.isNaN)).toBe(true);
    expect([...d.source]).toEqual([0, 0]);
    expect(d.pulse).toBeUndefined();
    expect(byMeterOrder(rowsOfWire(d))).toEqual(byMeterOrder(rowsOfIngest(batches)));
  });

  // One meter's readings in file order, for every meter (what a worker needs: a meter is decided in order).
  const perMeter = (rows: Record<string, unknown>[]) => {
    const byMeter = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) byMeter.set(String(r.meter), [...(byMeter.get(String(r.meter)) ?? []), r]);
    return new Map([...byMeter].sort((a, b) => a[0].localeCompare(b[0])));
  };

  for (const [label, windowBytes] of [["one window", undefined], ["windows of 40 rows", 40 * 24]] as const) {
    test(`batches stay under the byte budget, hold runs of buckets, keep each meter's file order, lose nothing (${label})`, async () => {
      const batches = await ingest(sampleCsv(400), 97);
      const expected = rowsOfIngest(batches);
      const maxBytes = 3000;
      const wires = batchAll(batches, 3, maxBytes, windowBytes);
      expect(wires.length).toBeGreaterThan(10);
      const got: Record<string, unknown>[] = [];
      // Per partition, the bucket of each row in message order: ascending within a window.
      const buckets = new Map<number, number[]>();
      for (const w of wires) {
        for (const m of toMessages(w, maxBytes)) {
          expect(m.payload.length).toBeLessThanOrEqual(maxBytes);
          expect(m.subject).toBe(readingsSubject(w.partition));
          const rows = rowsOfWire(decodeBatch(m.payload));
          got.push(...rows);
          for (const r of rows) buckets.set(w.partition, [...(buckets.get(w.partition) ?? []), bucketOf(String(r.meter), 3)]);
        }
      }
      expect(got.length).toBe(expected.length);
      expect(perMeter(got)).toEqual(perMeter(expected));
      if (windowBytes === undefined) {
        for (const list of buckets.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
      } else {
        // Several windows: the buckets start over at each.
        expect([...buckets.values()].some((list) => list.some((b, i) => i > 0 && b < list[i - 1]))).toBe(true);
      }
    });
  }

  test("message ids depend only on content: the same file gives the same ids, another value another id", async () => {
    const ids = async (text: string) => batchAll(await ingest(text), 4, 1 << 20).flatMap((w) => toMessages(w, 1 << 20).map((m) => m.msgId));
    const text = sampleCsv();
    const first = await ids(text);
    expect(await ids(text)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    const changed = await ids(text.replace("M-0001,2026-01-02,101.25", "M-0001,2026-01-02,101.5"));
    expect(changed).not.toEqual(first);
    expect(changed.filter((id) => !first.includes(id)).length).toBe(1);
  });

  test("a message's id table as its meter index: the rows, ids and hashes interning gives; an id named twice is interned", async () => {
    const batches = await ingest(sampleCsv(400), 97);
    for (const w of batchAll(batches, 3, 3000).map((b) => decodeBatch(encodeBatch(b)))) {
      const wire = readingBatchOf(w, CHANNELS);
      expect(wire.meters).toBeInstanceOf(WireMeterIndex);
      const interned = toReadingBatch(w, createMeterIndex(), CHANNELS);
      expect(rowsOfIngest([wire])).toEqual(rowsOfIngest([interned]));
      for (let k = 0; k < wire.meters.size; k++) expect(wire.meters.hashOf!(k)).toBe(meterHash(wire.meters.idOf(k)));
    }
    const twice = { ...idTable(["A", "B", "A"]) };
    const w = { partition: 0, file: "f", length: 3, ...twice, meter: Int32Array.of(0, 1, 2), end: Int32Array.of(1, 1, 2), value: Float64Array.of(1, 2, 3),
      line: Float64Array.of(2, 3, 4), override: new Float64Array(3).fill(Number.NaN), source: new Uint8Array(3), verification: new Uint8Array(3) };
    expect(WireMeterIndex.of(twice.idBytes, twice.idEnds)).toBeUndefined();
    const b = readingBatchOf(w);
    expect(b.meters).not.toBeInstanceOf(WireMeterIndex);
    expect(b.meter[0]).toBe(b.meter[2]);
  });

  test("a payload that is not a batch of this version is MF_ERR_NATS_WIRE", () => {
    const packr = new Packr({ useRecords: false });
    expect(() => decodeBatch(new Uint8Array([0xc1]))).toThrow(expect.objectContaining({ code: "MF_ERR_NATS_WIRE" }));
    expect(() => decodeBatch(packr.pack({ v: 2, rows: 0 }))).toThrow(/wire version 2/);
    const ids = { id_bytes: new Uint8Array([0x61]), id_ends: new Uint8Array(new Int32Array([1]).buffer) };
    expect(() => decodeBatch(packr.pack({ v: 1, partition: 0, file: "f", rows: 2, ...ids, meter: new Uint8Array(4) }))).toThrow(/meter has 4 bytes for 2 rows/);
    expect(() => decodeBatch(packr.pack({ v: 1, partition: 0, file: "f", rows: 1, id_text: "a", meter: new Uint8Array(4) }))).toThrow(/no meter id table/);
    expect(() => decodeBatch(packr.pack({ v: 1, partition: 0, file: "f", rows: 0, id_bytes: new Uint8Array(1), id_ends: new Uint8Array(new Int32Array([2]).buffer) })))
      .toThrow(/ends out of order/);
    expect(() => decodeBatch(packr.pack({ v: 1, partition: 0, file: "f", rows: 1, ...ids, meter: new Uint8Array(new Int32Array([1]).buffer) })))
      .toThrow(/meter index 1 outside the id table/);
  });
});
