// Routing's reordering (runtime/order-by-bucket.ts) against a plain reference: the window's rows
// stably sorted by (bucket, rank), rows without a meter first, cut where
// the rule says; each routed row is its source row (every column, its raw text, its id bytes),
// for windows of random rows with bad rows, rows without a meter and meters in several decoded
// batches, with and without raw text kept; and routeByBucket without raw text against it with.
import { describe, expect, it } from "vitest";
import { createMeterIndex, readReadings } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
import { MeterBuckets, routeByBucket } from "../../../engine/runtime/bucket-window.js";
import { orderByBucket } from "../../../engine/runtime/order-by-bucket.js";
import { tempDir, writeFile } from "../ingest/helpers.js";

const dir = tempDir();

/** A CSV of `rows` random rows over `meters` meters (a few ids not ASCII), with bad and meterless rows. */
function randomCsv(seed: number, rows: number, meters: number): string {
  let s = seed;
  const next = (n: number) => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) % n);
  const lines = ["meter_id,end,value"];
  for (let i = 0; i < rows; i++) {
    const m = next(meters);
    const id = m % 13 === 4 ? `Zähler-${m}` : `M-${m}`;
    const kind = next(40);
    if (kind === 0) lines.push(`,2026-11-0${1 + next(9)},5`);
    else if (kind === 1) lines.push(`${id},not-a-day,7`);
    else lines.push(`${id},2026-11-${String(1 + next(28)).padStart(2, "0")},${next(100000)}`);
  }
  return `${lines.join("\n")}\n`;
}

async function decode(path: string, batchSize: number): Promise<ReadingBatch[]> {
  const meters = createMeterIndex();
  const out: ReadingBatch[] = [];
  for await (const b of readReadings(path, { meters, batchSize })) out.push(b);
  return out;
}

describe("orderByBucket", () => {
  it("marks a window ranked only when a meter has rows in more than one of its decoded batches", async () => {
    const once = writeFile(dir, "once.csv", ["meter_id,end,value", ...Array.from({ length: 300 }, (_, i) => `M-${i},2026-11-01,${i}`)].join("\n") + "\n");
    const twice = writeFile(dir, "twice.csv", ["meter_id,end,value", ...Array.from({ length: 300 }, (_, i) => `M-${i % 150},2026-11-0${1 + Math.floor(i / 150)},${i}`)].join("\n") + "\n");
    for (const [path, want] of [[once, false], [twice, true]] as const) {
      const batches = await decode(path, 100);
      const routed = [...orderByBucket(batches, batches.map((b) => b.reject.slice()), new MeterBuckets(4, batches[0].meters), 120)];
      expect(routed.length).toBeGreaterThan(1);
      expect(routed.every((o) => o.ranked === want), path).toBe(true);
    }
  });


  for (const [seed, rows, meters, decodedSize, batchSize, keepRaw] of [
    [3, 5000, 400, 700, 900, true], [5, 5000, 3000, 1000, 1500, false], [11, 3000, 50, 256, 100, false], [17, 2000, 1500, 2000, 64, true],
  ] as const) {
    it(`routes ${rows} rows of ${meters} meters (decoded ${decodedSize}, batches of ${batchSize}, raw ${keepRaw}) as the reference sorts them`, async () => {
      const path = writeFile(dir, `r-${seed}.csv`, randomCsv(seed, rows, meters));
      const batches = await decode(path, decodedSize);
      const partitions = 4;
      const buckets = new MeterBuckets(partitions, batches[0].meters);
      const decoded = batches.map((b) => b.reject.slice());
      // Reference: every row with its sort key, stably sorted.
      const ref: Array<{ batch: number; row: number; group: number; key: number }> = [];
      const rank = new Map<number, { batch: number; rank: number }>();
      batches.forEach((b, i) => {
        for (let row = 0; row < b.length; row++) {
          const m = b.meter[row];
          if (m < 0) {
            ref.push({ batch: i, row, group: 0, key: 0 });
            continue;
          }
          const r = rank.get(m);
          const mine = r === undefined ? 0 : r.batch === i ? r.rank : r.rank + 1;
          rank.set(m, { batch: i, rank: mine });
          const bucket = buckets.of(m);
          const group = 1 + bucket;
          ref.push({ batch: i, row, group, key: group * batches.length + mine });
        }
      });
      const sorted = ref.map((r, at) => ({ ...r, at })).sort((a, b) => a.key - b.key || a.at - b.at);
      const routed = [...orderByBucket(batches, decoded, buckets, batchSize, keepRaw)];
      // ranked: some meter's rows came from more than one decoded batch (a rank above 0).
      const ranked = [...rank.values()].some((r) => r.rank > 0);
      expect(routed.map((o) => o.ranked)).toEqual(routed.map(() => ranked));
      let at = 0;
      const groupRows = new Map<number, number>();
      for (const r of sorted) groupRows.set(r.group, (groupRows.get(r.group) ?? 0) + 1);
      for (const o of routed) {
        // Cut rule: a batch is over size only when it is one group (bucket) too big for a batch.
        const groups = new Set<number>();
        for (let j = 0; j < o.length; j++) groups.add(sorted[at + j].group);
        if (o.length > batchSize) expect(groups.size).toBe(1);
        for (let j = 0; j < o.length; j++, at++) {
          const r = sorted[at];
          const b = batches[r.batch];
          expect(o.line[j]).toBe(b.line[r.row]);
          expect(o.meter[j]).toBe(b.meter[r.row]);
          expect(o.end[j]).toBe(b.end[r.row]);
          expect(o.value[j]).toBe(b.value[r.row]);
          expect(o.reject[j]).toBe(b.reject[r.row]);
          expect(o.decoded[j]).toBe(decoded[r.batch][r.row]);
          expect(o.bucket[j]).toBe(b.meter[r.row] < 0 ? -1 : buckets.of(b.meter[r.row]));
          const id = Buffer.from(o.rowIds!.bytes.subarray(o.rowIds!.at[j], o.rowIds!.at[j + 1])).toString("utf8");
          expect(id).toBe(b.meter[r.row] < 0 ? "" : b.meters.idOf(b.meter[r.row]));
          if (keepRaw || b.reject[r.row] !== 0) expect(o.rawOf(j)).toBe(b.rawOf(r.row));
          else expect(o.rawOf(j)).toBe("");
        }
      }
      expect(at).toBe(sorted.length);
      // Every bucket's rows are in one batch unless they alone are more than a batch.
      const batchOfGroup = new Map<number, Set<number>>();
      let pos = 0;
      routed.forEach((o, k) => {
        for (let j = 0; j < o.length; j++, pos++) {
          const g = sorted[pos].group;
          if (!batchOfGroup.has(g)) batchOfGroup.set(g, new Set());
          batchOfGroup.get(g)!.add(k);
        }
      });
      for (const [g, set] of batchOfGroup) if (groupRows.get(g)! <= batchSize) expect(set.size, `group ${g}`).toBe(1);
      expect(routed.length).toBeGreaterThan(1);
    });
  }

  it("moves pulse fields, sensor-row marks and channel values with their rows when some batches of the window have them", async () => {
    // A plain file and one with pulse and channel columns, over the same meters, decoded with one meter index.
    const plain = writeFile(dir, "extras-plain.csv", randomCsv(29, 1500, 300));
    let s = 31;
    const next = (n: number) => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) % n);
    const extraLines = ["meter_id,end,value,pulse_min_on_ms,tamper_open,temperature,humidity"];
    for (let i = 0; i < 1200; i++) {
      const id = `M-${next(300)}`;
      const end = `2026-11-${String(1 + next(28)).padStart(2, "0")}T${String(next(24)).padStart(2, "0")}:${String(next(60)).padStart(2, "0")}:00Z`;
      const sensorOnly = next(5) === 0;
      extraLines.push(`${id},${end},${sensorOnly ? "" : next(1000)},${next(3) === 0 ? "" : 20 + next(50)},${next(2)},${next(4) === 0 ? "" : next(30) - 5},${next(3) === 0 ? "" : next(100)}`);
    }
    const extra = writeFile(dir, "extras-pulse.csv", `${extraLines.join("\n")}\n`);
    const meters = createMeterIndex();
    const channels = new Map([["temperature", 0], ["humidity", 1]]);
    const batches: ReadingBatch[] = [];
    for (const path of [plain, extra, plain]) for await (const b of readReadings(path, { meters, batchSize: 400, channels })) batches.push(b);
    expect(batches.some((b) => b.pulse === undefined) && batches.some((b) => b.pulse !== undefined)).toBe(true);
    const buckets = new MeterBuckets(4, meters);
    // A row's content, optional columns included, as a string (NaN pulse fields, no channel values for plain rows).
    const valuesOf = (b: ReadingBatch, row: number) => {
      const v = b.sensors;
      const out: string[] = [];
      if (v !== undefined) for (let k = 0; k < v.length; k++) if (v.row[k] === row) out.push(`${v.channel[k]}@${v.time[k]}=${v.value[k]}`);
      return out.join(" ");
    };
    const content = (b: ReadingBatch, row: number) => JSON.stringify([
      b.line[row], b.meter[row], b.end[row], b.value[row], b.reject[row], b.pulse === undefined ? null : [b.pulse.minOnMs[row], b.pulse.tamperOpen[row], b.pulse.debouncedIn[row]],
      b.sensorRow?.[row] ?? 0, valuesOf(b, row),
    ].map((x) => (typeof x === "number" && Number.isNaN(x) ? "NaN" : x)));
    const source = batches.flatMap((b) => Array.from({ length: b.length }, (_, row) => content(b, row)));
    const routed = [...orderByBucket(batches, batches.map((b) => b.reject.slice()), buckets, 500, false)];
    const out = routed.flatMap((o) => Array.from({ length: o.length }, (_, j) => content({ ...o, meters } as unknown as ReadingBatch, j)));
    // Every row once, with its own optional columns (plain rows: NaN pulse fields, not a sensor row, no values).
    expect([...out].sort()).toEqual([...source].map((c) => {
      const x = JSON.parse(c);
      if (x[5] === null) x[5] = [null, null, null];
      return JSON.stringify(x);
    }).sort());
    expect(routed.every((o) => o.pulse !== undefined && o.sensorRow !== undefined)).toBe(true);
    // A meter's channel values keep their file order within a routed batch.
    for (const o of routed) {
      const v = o.sensors!;
      const lastLine = new Map<number, number>();
      for (let k = 0; k < v.length; k++) {
        const m = o.meter[v.row[k]];
        const line = o.line[v.row[k]];
        expect(line).toBeGreaterThanOrEqual(lastLine.get(m) ?? -Infinity);
        lastLine.set(m, line);
      }
    }
  });

  it("routes without raw text as with it: the same rows, and the raw text of every row rejected before routing, by the decoder or a check", async () => {
    const path = writeFile(dir, "raw-free.csv", randomCsv(23, 4000, 700));
    const routed = async (raw: boolean) => {
      const meters = createMeterIndex();
      // A check that rejects some rows after decoding, as the register-limit check does (keeping their raw text).
      const check = (b: ReadingBatch) => {
        for (let row = 0; row < b.length; row++) {
          if (b.reject[row] === 0 && b.value[row] % 17 === 0) {
            b.reject[row] = 9;
            b.rejectedRaw.set(row, b.rawOf(row));
          }
        }
      };
      const out: ReadingBatch[] = [];
      for await (const b of routeByBucket(readReadings(path, { meters, batchSize: 300 }), { partitions: 4, batchSize: 500, meters, check, raw })) out.push(b);
      return out;
    };
    const kept = await routed(true);
    const freed = await routed(false);
    expect(freed.map((b) => b.length)).toEqual(kept.map((b) => b.length));
    let rejected = 0;
    for (const [k, b] of freed.entries()) {
      const a = kept[k];
      expect(b.batchId).toBe(a.batchId);
      for (const column of ["line", "meter", "end", "value", "override", "source", "verification", "reject"] as const) expect([...b[column]]).toEqual([...a[column]]);
      for (let row = 0; row < b.length; row++) {
        if (b.reject[row] !== 0) {
          rejected++;
          expect(b.rawOf(row)).toBe(a.rawOf(row));
          expect(b.rawOf(row)).not.toBe("");
        } else {
          expect(b.rawOf(row)).toBe("");
        }
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
