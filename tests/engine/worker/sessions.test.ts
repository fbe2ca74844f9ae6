// A worker's per-partition sessions (engine/worker/sessions.ts) against the real PostgreSQL store:
// a session is kept from batch to batch only while the store says nothing else changed its
// partition or the registry. Another writer's commit, or a registry import that adds a meter to
// a bucket the session holds, drops it, and the next batch is decided on fresh slices.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/meter-index.js";
import type { ReadingBatch } from "../../../engine/ingest/batch.js";
import { toReadingBatch } from "../../../engine/nats/reading-batch.js";
import { idTable } from "../../../engine/nats/wire.js";
import { importRegistry } from "../../../engine/registry/import.js";
import { loadDecisionSetup } from "../../../engine/runtime/decision-setup.js";
import { parseLines } from "../../../engine/runtime/session.js";
import { bucketOf, partitionOf } from "../../../engine/store/contract.js";
import { parseDay } from "../../../engine/time/index.js";
import { committedLines } from "../../../engine/runtime/committed.js";
import { createFormatter } from "../../../engine/sinks/formatter.js";
import { PartitionSessions } from "../../../engine/worker/sessions.js";
import { METERS_HEADER, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { openTestStore, runPostgresTests } from "../store/postgres-env.js";

const dir = tempDir("meterflow-sessions-");
let batches = 0;

/** A batch of readings (meter, day, value) as a worker decodes one from the stream. */
function batchOf(rows: Array<[string, string, number]>): ReadingBatch {
  const ids = [...new Set(rows.map(([id]) => id))];
  const n = rows.length;
  const wire = {
    partition: 0, file: "night.csv", length: n, ...idTable(ids), meter: Int32Array.from(rows, ([id]) => ids.indexOf(id)),
    end: Int32Array.from(rows, ([, day]) => parseDay(day)), value: Float64Array.from(rows, ([, , v]) => v), line: Float64Array.from(rows, (_, i) => i + 2),
    override: new Float64Array(n).fill(Number.NaN), source: new Uint8Array(n), verification: new Uint8Array(n),
  };
  return { ...toReadingBatch(wire, createMeterIndex()), batchId: `test-batch-${++batches}` };
}

const billed = (lines: Uint8Array) => parseLines(lines).map((r) => [r.meter_id, r.previous, r.current, r.consumption]);

describe.runIf(runPostgresTests)("worker sessions", () => {
  it("keep a partition's slices while only they commit to it, and drop them when another writer did", async () => {
    const store = await openTestStore({ partitions: 1 });
    const setup = await loadDecisionSetup({ builtinPlugins: false });
    const meters = write(dir, "meters.csv", [METERS_HEADER, "A,electricity.register,kWh,1,,,,,,,,,100,2026-11-01", "B,electricity.register,kWh,1,,,,,,,,,500,2026-11-01"]);
    await importRegistry(store, meters, setup.plugins);
    const mine = new PartitionSessions(store, setup);
    const other = new PartitionSessions(store, setup);
    try {
      const first = await mine.decide(0, batchOf([["A", "2026-11-02", 110], ["B", "2026-11-02", 510]]), "night.csv");
      expect(first.commit).toBe("committed");
      expect(billed(first.lines.billing)).toEqual([["A", 100, 110, 10], ["B", 500, 510, 10]]);
      const second = await mine.decide(0, batchOf([["A", "2026-11-03", 120]]), "night.csv");
      expect(billed(second.lines.billing)).toEqual([["A", 110, 120, 10]]);
      expect(mine.stats).toMatchObject({ started: 1, reused: 1, stale: 0 });
      // Another worker takes the partition for a batch: A moves on without this session.
      const elsewhere = await other.decide(0, batchOf([["A", "2026-11-04", 135], ["B", "2026-11-04", 530]]), "night.csv");
      expect(billed(elsewhere.lines.billing)).toEqual([["A", 120, 135, 15], ["B", 510, 530, 20]]);
      const fourth = await mine.decide(0, batchOf([["A", "2026-11-05", 150], ["B", "2026-11-05", 540]]), "night.csv");
      expect(billed(fourth.lines.billing)).toEqual([["A", 135, 150, 15], ["B", 530, 540, 10]]);
      expect(mine.stats).toMatchObject({ started: 2, reused: 1, stale: 1 });
    } finally {
      mine.close();
      other.close();
    }
  });

  it("drop a session when a registry import may have added meters to the buckets it holds", async () => {
    const store = await openTestStore({ partitions: 1 });
    const setup = await loadDecisionSetup({ builtinPlugins: false });
    // A meter of the bucket the session will hold, registered only later.
    let late = 0;
    while (bucketOf(`C-${late}`, 1) !== bucketOf("A", 1)) late++;
    const lateId = `C-${late}`;
    const row = (id: string) => `${id},electricity.register,kWh,1,,,,,,,,,100,2026-11-01`;
    await importRegistry(store, write(dir, "before.csv", [METERS_HEADER, row("A")]), setup.plugins);
    const sessions = new PartitionSessions(store, setup);
    try {
      await sessions.decide(0, batchOf([["A", "2026-11-02", 110]]), "night.csv");
      await importRegistry(store, write(dir, "after.csv", [METERS_HEADER, row("A"), row(lateId)]), setup.plugins);
      const next = await sessions.decide(0, batchOf([["A", "2026-11-03", 120], [lateId, "2026-11-03", 104]]), "night.csv");
      // The new meter is registered (billed from its baseline), not held as unknown.
      expect(billed(next.lines.billing)).toEqual([["A", 110, 120, 10], [lateId, 100, 104, 4]]);
      expect(parseLines(next.lines.held)).toEqual([]);
      expect(sessions.stats).toMatchObject({ started: 2, reused: 0, stale: 1 });
    } finally {
      sessions.close();
    }
  });
  it("drop a session after imports that bring the last file back but changed the registry (prices, factor, prices)", async () => {
    // The re-import audit: sessions were kept while the last imported file's digest was the
    // same, so prices.csv, factor.csv, prices.csv again left a worker billing at factor 1.
    const store = await openTestStore({ partitions: 1 });
    const setup = await loadDecisionSetup({ builtinPlugins: false });
    await importRegistry(store, write(dir, "k-full.csv", ["meter_id,type,scaling_factor", "K1,electricity.register,1"]), setup.plugins);
    const prices = write(dir, "k-prices.csv", ["meter_id,unit_price", "K1,0.40"]);
    await importRegistry(store, prices, setup.plugins);
    const sessions = new PartitionSessions(store, setup);
    try {
      await sessions.decide(0, batchOf([["K1", "2026-11-01", 1000], ["K1", "2026-11-02", 1010]]), "night.csv");
      await importRegistry(store, write(dir, "k-factor.csv", ["meter_id,scaling_factor", "K1,3"]), setup.plugins);
      expect(await importRegistry(store, prices, setup.plugins)).toMatchObject({ unchanged: 1 });
      const next = await sessions.decide(0, batchOf([["K1", "2026-11-03", 1020]]), "night.csv");
      expect(billed(next.lines.billing)).toEqual([["K1", 1010, 1020, 30]]);
      expect(sessions.stats).toMatchObject({ started: 2, stale: 1 });
    } finally {
      sessions.close();
    }
  });

  it("evict the least recently used sessions past maxMeters; partitions decided at once both come out right", async () => {
    const store = await openTestStore({ partitions: 2 });
    const setup = await loadDecisionSetup({ builtinPlugins: false });
    const ids = Array.from({ length: 12 }, (_, i) => `E-${i}`);
    const row = (id: string) => `${id},electricity.register,kWh,1,,,,,,,,,100,2026-11-01`;
    await importRegistry(store, write(dir, "two.csv", [METERS_HEADER, ...ids.map(row)]), setup.plugins);
    const of = (p: number) => ids.filter((id) => partitionOf(id, 2) === p);
    expect(of(0).length).toBeGreaterThan(0);
    expect(of(1).length).toBeGreaterThan(0);
    const sessions = new PartitionSessions(store, setup, undefined, { maxMeters: 1 });
    const night = (p: number, day: string, value: number) => batchOf(of(p).map((id) => [id, day, value] as [string, string, number]));
    try {
      // Both partitions at once: the one deciding is not evicted when the other starts (not observable
      // here beyond the results: a session dropped mid-batch gives its kernel memory back under it).
      const both = await Promise.all([sessions.decide(0, night(0, "2026-11-02", 110), "n.csv"), sessions.decide(1, night(1, "2026-11-02", 110), "n.csv")]);
      expect(both.map((d) => parseLines(d.lines.billing).length)).toEqual([of(0).length, of(1).length]);
      // Then one after the other: each start drops the other partition's idle session.
      const next = await sessions.decide(0, night(0, "2026-11-03", 120), "n.csv");
      expect(billed(next.lines.billing)).toEqual(of(0).map((id) => [id, 110, 120, 10]));
      const last = await sessions.decide(1, night(1, "2026-11-03", 125), "n.csv");
      expect(billed(last.lines.billing)).toEqual(of(1).map((id) => [id, 110, 125, 15]));
      expect(sessions.stats.evicted).toBeGreaterThanOrEqual(2);
    } finally {
      sessions.close();
    }
  });

  // A worker that dies between its commit and its publish leaves the batch for another, which
  // publishes what the store read back (committedLines) under the same message ids: cut into the
  // same messages only if the bytes are the same, or rows would be lost or doubled.
  it.each(["ndjson", "csv"] as const)("publish what committedLines reads back, byte for byte (%s)", async (format) => {
    const store = await openTestStore({ partitions: 1 });
    const setup = await loadDecisionSetup({ builtinPlugins: false });
    // And 300 more meters over the partition's buckets (several to a bucket), half with a baseline.
    const many = Array.from({ length: 300 }, (_, i) => `M-${i}`);
    const meters = write(dir, `meters-${format}.csv`, [METERS_HEADER, "A,electricity.register,kWh,1,,,,,,,,,100,2026-11-01",
      "B,electricity.register,kWh,2.5,,,,,,,,,500,2026-11-01", "C,electricity.register,kWh,1,,,,,,,,,,",
      ...many.map((id, i) => `${id},electricity.register,kWh,1,,,,,,,,,${i % 2 === 0 ? "1000,2026-11-01" : ","}`)]);
    await importRegistry(store, meters, setup.plugins);
    const sessions = new PartitionSessions(store, setup, undefined, { format: createFormatter(format) });
    try {
      await sessions.decide(0, batchOf([["A", "2026-11-05", 150], ["B", "2026-11-05", 540], ["C", "2026-11-05", 7]]), "n.csv");
      // Billable rows (one a rollover), a back-dated reading (a correction of A's next), an unknown
      // meter (held), a conflicting re-send (held) and an exact one (a duplicate).
      const batch = batchOf([["A", "2026-11-03", 120], ["B", "2026-11-06", 560], ["C", "2026-11-06", 3], ["X", "2026-11-06", 1],
        ["B", "2026-11-05", 541], ["A", "2026-11-05", 150], ["C", "2026-11-07", 12],
        ...many.map((id, i): [string, string, number] => [id, "2026-11-06", 1000 + i])]);
      const decided = await sessions.decide(0, batch, "n.csv");
      expect(decided.commit).toBe("committed");
      const published = Object.fromEntries(Object.entries(decided.lines).map(([k, v]) => [k, Buffer.from(v).toString("utf8")]));
      // Every billed reading once, under its own meter: B, C twice, the 150 meters with a baseline, A and its correction.
      const billedIds = published.billing.split("\n").filter((l) => l !== "").map((l) => (format === "csv" ? l.split(",")[1] : (JSON.parse(l) as { meter_id: string }).meter_id));
      expect(billedIds).toHaveLength(155);
      expect(new Set(billedIds.filter((id) => id.startsWith("M-"))).size).toBe(150);
      expect(published.held.split("\n").filter((l) => l !== "").length).toBeGreaterThanOrEqual(2);
      expect(published.billing).toContain("correction");
      const again = await committedLines(store, batch.batchId!, format);
      for (const kind of ["billing", "held", "alerts", "rejected"] as const) {
        expect(Buffer.from(again[kind]).toString("utf8"), kind).toBe(published[kind]);
      }
    } finally {
      sessions.close();
    }
  });
});
