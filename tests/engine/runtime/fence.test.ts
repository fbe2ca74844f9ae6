// A run's commits are fenced: when another writer commits to a partition while a run is deciding
// its batches, the run's next commit is refused with MF_ERR_STORE_FENCED and writes nothing. The
// run then decides again on what the store holds (committed batches adopted), and its outputs
// equal those of a run no one disturbed. It goes on while each attempt gets further; fenced at
// the same place FENCED_ATTEMPTS times in a row, it stops.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runFiles } from "../../../engine/runtime/index.js";
import { FENCED_ATTEMPTS } from "../../../engine/runtime/run.js";
import { enterManualReading, OperationSession } from "../../../engine/operations/index.js";
import { BUCKETS_PER_PARTITION, bucketOf, DEFAULT_PARTITIONS } from "../../../engine/store/contract.js";
import { latestByDay, readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", [METERS_HEADER, ...Array.from({ length: 40 }, (_, i) => `E-${i},electricity.register,kWh,1,,,,,,,,,,`)]);
const lines = ["meter_id,end,value"];
for (let day = 1; day <= 6; day++) for (let i = 0; i < 40; i++) lines.push(`E-${i},2026-11-0${day},${100 + day * (i + 1)}`);
const readings = write(dir, "r.csv", lines);
// The same readings a file per day, each file a routing window of its own (`window`: a run routes
// about a million rows together, whatever the files): each day's batches come back to buckets the
// run has read (a window routes each bucket's rows into one batch), so another writer's commit in
// between fences the run's next batch.
const days = Array.from({ length: 6 }, (_, d) => write(dir, `day-${d + 1}.csv`, [lines[0], ...lines.slice(1 + d * 40, 1 + (d + 1) * 40)]));

/** Another writer: one empty batch committed on every bucket at its current version, as changing every meter. */
async function interfere(db: string): Promise<void> {
  const store = await openStore(db);
  // The run's writer may land a commit between our read of the versions and our commit: then
  // ours is the one fenced, and we try again on the new versions.
  for (;;) {
    try {
      await commitOnAll(store);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "MF_ERR_STORE_FENCED") throw error;
    }
  }
  await store.close();
}

async function commitOnAll(store: Awaited<ReturnType<typeof openStore>>): Promise<void> {
  const rows = await store.readBuckets(Array.from({ length: store.partitions * BUCKETS_PER_PARTITION }, (_, b) => b));
  await store.commit({
    batchId: `other-writer-${Math.random()}`, runId: 0, seq: 0, input: "another writer", rulesVersion: "",
    counts: { rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0 },
    fence: [], buckets: rows.map((r) => ({ bucket: r.bucket, version: r.version, slots: null })),
    state: [], segments: [], held: [], alerts: [], flags: [], audit: [], episodes: [],
  });
}

describe("fenced commits", () => {
  const now = new Date("2026-12-01T00:00:00Z");
  const key = (r: Record<string, string>) => `${r.reading_id}:${r.consumption}:${r.flags}`;

  it("are decided again: a run disturbed once completes with the outputs of an undisturbed run", async () => {
    const clean = await runAndRead({ meters, inputs: days, window: 40, db: join(dir, "clean.db"), out: join(dir, "clean"), batchSize: 30 });
    const db = join(dir, "fenced.db");
    let interfered = 0;
    const warnings: string[] = [];
    const summary = await runFiles({
      meters, inputs: days, window: 40, db, out: join(dir, "fenced"), batchSize: 30, now, onWarning: (w) => warnings.push(w),
      onProgress: async (processed) => {
        if (processed < 90 || interfered > 0) return;
        interfered++;
        await interfere(db);
      },
    });
    expect(interfered).toBe(1);
    expect(warnings.filter((w) => w.includes("deciding again"))).toHaveLength(1);
    expect(readCsv(join(dir, "fenced", "billing.csv")).map(key).sort()).toEqual(clean.billing.map(key).sort());
    expect(readCsv(join(dir, "fenced", "held.csv")).map(key).sort()).toEqual(clean.held.map(key).sort());
    expect(summary).toMatchObject({ in: clean.summary.in, billable: clean.summary.billable, held: clean.summary.held, balanced: true });
    // The run finished: the same files again are duplicates, nothing is billed twice.
    const again = await runAndRead({ meters, inputs: days, window: 40, db, out: join(dir, "again"), batchSize: 30 });
    expect(again.summary).toMatchObject({ in: clean.summary.in, billable: 0, held: 0, duplicates: clean.summary.in });
  });

  it("are decided again as long as each attempt gets further, more than FENCED_ATTEMPTS times", async () => {
    const clean = await runAndRead({ meters, inputs: days, window: 40, db: join(dir, "clean3.db"), out: join(dir, "clean3"), batchSize: 30 });
    const db = join(dir, "fenced3.db");
    let attempt = 0;
    let last = Number.POSITIVE_INFINITY;
    let disturbed = false;
    let disturbances = 0;
    const summary = await runFiles({
      meters, inputs: days, window: 40, db, out: join(dir, "fenced3"), batchSize: 30, now, onWarning: () => undefined,
      onProgress: async (processed) => {
        if (processed <= last) {
          attempt++;
          disturbed = false;
        }
        last = processed;
        // Attempt k is disturbed once it has processed 20k readings: each gets further.
        if (!disturbed && attempt <= FENCED_ATTEMPTS + 2 && processed >= 20 * attempt) {
          disturbed = true;
          disturbances++;
          await interfere(db);
        }
      },
    });
    expect(disturbances).toBe(FENCED_ATTEMPTS + 2);
    expect(readCsv(join(dir, "fenced3", "billing.csv")).map(key).sort()).toEqual(clean.billing.map(key).sort());
    expect(summary).toMatchObject({ in: clean.summary.in, billable: clean.summary.billable, held: clean.summary.held, balanced: true });
  });

  it("stop with MF_ERR_STORE_FENCED when every attempt is fenced, and a rerun completes the same outputs", async () => {
    const clean = await runAndRead({ meters, inputs: days, window: 40, db: join(dir, "clean2.db"), out: join(dir, "clean2"), batchSize: 30 });
    const db = join(dir, "fenced2.db");
    let attempts = 0;
    let last = -1;
    const disturbed = runFiles({
      meters, inputs: days, window: 40, db, out: join(dir, "fenced2"), batchSize: 30, now, onWarning: () => undefined,
      onProgress: async (processed) => {
        // A new attempt starts counting again: disturb each attempt once it has decided a few batches.
        if (processed < last) attempts++;
        if (last < 0) attempts = 1;
        const first = last < 60;
        last = processed;
        if (processed >= 60 && first) await interfere(db);
      },
    });
    await expect(disturbed).rejects.toMatchObject({ code: "MF_ERR_STORE_FENCED", message: expect.stringContaining("run the same command again") });
    expect(attempts).toBe(FENCED_ATTEMPTS);
    const rerun = await runAndRead({ meters, inputs: days, window: 40, db, out: join(dir, "rerun2"), batchSize: 30 });
    expect(rerun.billing.map(key).sort()).toEqual(clean.billing.map(key).sort());
    expect(readCsv(join(dir, "rerun2", "held.csv")).map(key).sort()).toEqual(clean.held.map(key).sort());
    expect(rerun.summary).toMatchObject({ in: clean.summary.in, billable: clean.summary.billable, held: clean.summary.held });
  });
});

// Fencing by meter (engine/store/bucket-fence.ts): an operator's manual reading on a meter of a
// bucket a job is deciding refuses the job's batch only when the batch decides that meter.
const STORES = [
  { kind: "sqlite", db: () => join(dir, `beside-${Math.random().toString(36).slice(2)}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

describe.each(STORES)("a job beside manual readings on $kind", ({ db: newDb }) => {
  const now = new Date("2026-12-01T00:00:00Z");
  const key = (r: Record<string, string>) => `${r.reading_id}:${r.consumption}:${r.flags}`;
  // Manual meters in the buckets (so the partitions) of the job's meters, with a baseline.
  const jobBuckets = new Set(Array.from({ length: 40 }, (_, i) => bucketOf(`E-${i}`, DEFAULT_PARTITIONS)));
  const manualIds: string[] = [];
  for (let k = 0; manualIds.length < 8; k++) if (jobBuckets.has(bucketOf(`X-${k}`, DEFAULT_PARTITIONS))) manualIds.push(`X-${k}`);
  const withManual = write(dir, "meters-manual.csv", [...readFileSync(meters, "utf8").trim().split("\n"),
    ...manualIds.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`)]);
  const DAY = Date.UTC(2026, 10, 1) / 86_400_000;

  async function session(db: string): Promise<OperationSession> {
    return OperationSession.open({ db });
  }

  it("completes undisturbed when they are for other meters of its buckets, both billed in full", async () => {
    const clean = await runAndRead({ meters: withManual, inputs: [readings], db: newDb(), out: join(dir, `cl-${Math.random()}`), batchSize: 30 });
    const db = newDb();
    await runAndRead({ meters: withManual, inputs: [], db, out: join(dir, `reg-${Math.random()}`) });
    const ops = await session(db);
    const warnings: string[] = [];
    const manual: Array<{ decision: string; consumption: unknown }> = [];
    let entered = 0;
    const enter = async () => {
      const n = entered++;
      const meterId = manualIds[n % manualIds.length];
      const step = Math.floor(n / manualIds.length) + 1;
      const result = await enterManualReading(ops, { meterId, endDay: DAY - 1 + step, value: 1000 + 5 * step, actor: "ops-anna" });
      manual.push({ decision: result.decision, consumption: result.billing.find((b) => b.reading_id === result.readingId)?.consumption });
    };
    try {
      const out = join(dir, `beside-${Math.random()}`);
      // A manual reading after every batch the job decides (each lands between two of its commits).
      const summary = await runFiles({ meters: withManual, inputs: [readings], db, out, batchSize: 30, now,
        onWarning: (w) => warnings.push(w), onProgress: enter });
      await enter();
      expect(warnings.filter((w) => w.includes("deciding again"))).toEqual([]);
      expect(summary).toMatchObject({ in: clean.summary.in, billable: clean.summary.billable, held: clean.summary.held, balanced: true });
      expect(readCsv(join(out, "billing.csv")).map(key).sort()).toEqual(clean.billing.map(key).sort());
      // Every manual reading billed against the one before it: the job's commits kept their state.
      expect(manual.length).toBeGreaterThanOrEqual(summary.batches);
      expect(manual).toEqual(manual.map(() => ({ decision: "billed", consumption: 5 })));
    } finally {
      await ops.close();
    }
  });

  it("decides its batch again when one is for a meter it reads, and accounts for every reading", async () => {
    const db = newDb();
    await runAndRead({ meters: withManual, inputs: [], db, out: join(dir, `reg-${Math.random()}`) });
    // Two files, each a routing window: the job reads E-39's bucket with the first and decides
    // E-39 again in the second, whose day 4 of E-39 (100 + 4 x 40 = 260) comes by hand between the two.
    const days = (from: number, to: number, skip?: string) => {
      const out = ["meter_id,end,value"];
      for (let day = from; day <= to; day++) {
        for (let i = 0; i < 40; i++) if (`E-${i}@${day}` !== skip) out.push(`E-${i},2026-11-0${day},${100 + day * (i + 1)}`);
      }
      return out;
    };
    const first = write(dir, "days-1-3.csv", days(1, 3));
    const second = write(dir, "days-4-6.csv", days(4, 6, "E-39@4"));
    const ops = await session(db);
    const warnings: string[] = [];
    let entered = 0;
    try {
      const out = join(dir, `same-${Math.random()}`);
      const summary = await runFiles({ meters: withManual, inputs: [first, second], window: 120, db, out, batchSize: 30, now,
        onWarning: (w) => warnings.push(w), onProgress: async (processed) => {
          if (processed < 120 || entered++ > 0) return;
          // Decided is not yet committed (the writer commits behind): wait for the first file's
          // commits, so that the manual reading follows E-39's day 3 (else it is held initial).
          for (let tries = 0; (await ops.store.batchTotals()).rows < 120 && tries < 2000; tries++) await sleep(5);
          const manual = await enterManualReading(ops, { meterId: "E-39", endDay: DAY + 3, value: 260, actor: "ops-anna" });
          expect(manual.decision, JSON.stringify(manual)).toBe("billed");
        } });
      expect(entered).toBeGreaterThan(0);
      expect(warnings.filter((w) => w.includes("deciding again")).length).toBeGreaterThanOrEqual(1);
      expect(summary).toMatchObject({ in: 239, balanced: true });
      expect(summary.in).toBe(summary.billable + summary.held + summary.rejected + summary.duplicates);
      // Only each meter's first reading is held (initial: no baseline); nothing rejected or counted twice.
      expect({ held: summary.held, rejected: summary.rejected, duplicates: summary.duplicates, reasons: summary.held_reasons })
        .toEqual({ held: 40, rejected: 0, duplicates: 0, reasons: { initial: 40 } });
      // The meter's ledger bills the register's whole move from the manual reading on, once.
      const store = await openStore(db);
      try {
        const entries = (await readLedger(store, ["E-39"])).get("E-39")!;
        expect(entries.reduce((sum, e) => sum + e.billed, 0)).toBeCloseTo(340 - 140, 9);
        expect(latestByDay(entries).map((e) => e.value)).toEqual([140, 180, 220, 260, 300, 340]);
      } finally {
        await store.close();
      }
      // The job finished: the same file again is all duplicates.
      const again = await runAndRead({ meters: withManual, inputs: [first, second], window: 120, db, out: join(dir, `again-${Math.random()}`), batchSize: 30 });
      expect(again.summary).toMatchObject({ in: 239, billable: 0, duplicates: 239 });
    } finally {
      await ops.close();
    }
  });
});
