// importRegistry on both stores: a random registry file (the built-in meter types filling empty
// columns, bad rows among good ones) imported into SQLite and into PostgreSQL gives the same
// counts, the reader's records as queryable rows, and byte-identical bucket BLOBs; so does a
// second import of a changed file (updated, unchanged and new meters, known ones in their slot),
// and an unchanged file is skipped by its digest on both.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readMeters } from "../../../engine/meters/index.js";
import { loadPlugins } from "../../../engine/plugins/index.js";
import { importRegistry, writeMeters } from "../../../engine/registry/import.js";
import { BUCKETS_PER_PARTITION } from "../../../engine/store/contract.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { decodeRegistry } from "../../../engine/store/bucket.js";
import { openSqlitePartitionedStore } from "../../../engine/store/sqlite/index.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { tempDir } from "../../helpers/tmp.js";
import { openTestStore, runPostgresTests } from "../store/postgres-env.js";

const dir = tempDir("meterflow-registry-import-");
const plugins = await loadPlugins({ baseDir: dir, plugins: [] });
const PARTITIONS = 2;
let files = 0;

const stores: PartitionedStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function sqlite(): Promise<PartitionedStore> {
  const store = await openSqlitePartitionedStore(join(dir, `s${files++}.db`), { partitions: PARTITIONS });
  stores.push(store);
  return store;
}

const HEADER = "meter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center," +
  "gl_account,last_reading,last_end,pulse_weight,pulse_input,pulse_width_ms,qmax,no_pulse_days,debounce_ms";

/** The rows of a registry of `n` meters (ids `M-<i>`, some `Zähler-<i>`), as cells. */
function registryRows(rand: () => number, n: number, version: number, from = 0): string[][] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const lines: string[][] = [];
  for (let i = from; i < from + n; i++) {
    const type = pick(["electricity.register", "electricity.register", "gas.register", "water.pulse", "heat.pulse"]);
    const pulse = type.endsWith(".pulse");
    const base = rand() < 0.5;
    const cells = [
      rand() < 0.1 ? `Zähler-${i}` : `M-${i}`, type, pick(["", "", type.startsWith("water") ? "m3" : "kWh"]),
      pulse ? "" : pick(["", "", "2.5", "0.1"]), pulse ? "" : pick(["", "1000000"]), pulse ? "" : pick(["", "", "7"]),
      pulse ? "" : pick(["", "documented", "modulus"]), rand() < 0.3 ? `M-${Math.floor(rand() * n)}` : "",
      pick(["", "0.31", String(version)]), pick(["", "0.2"]), pick(["", "CC-1", "Kostenstelle-Ä", `CC-${version}`]), pick(["", "4000"]),
      base ? String(Math.floor(rand() * 99_999)) : "", base ? pick(["2026-10-31", "2026-11-30T23:00:00+02:00"]) : "",
      pulse ? pick(["", "0.01"]) : "", pulse ? pick(["", "namur", "reed"]) : "", pulse ? pick(["", "30"]) : "",
      pulse ? pick(["", "4"]) : "", pulse ? pick(["", "7"]) : "", pulse ? pick(["", "12"]) : "",
    ];
    // Some bad rows: rejected alike everywhere.
    if (rand() < 0.03) cells[3] = "-1";
    if (rand() < 0.02) cells[1] = "nonsense.type";
    lines.push(cells);
  }
  return lines;
}

const text = (rows: string[][]) => `${[HEADER, ...rows.map((cells) => cells.join(","))].join("\n")}\n`;
const registryText = (rand: () => number, n: number, version: number) => text(registryRows(rand, n, version));

/** The next version of a registry: a third of its meters changed (a price, a cost centre, a baseline), 300 new ones. */
function nextVersion(rand: () => number, rows: string[][]): string {
  const next = rows.map((cells) => {
    if (rand() > 0.3) return cells;
    const changed = [...cells];
    const k = [8, 10, 12][Math.floor(rand() * 3)];
    changed[k] = k === 12 ? (changed[12] === "" ? "" : String(Number(changed[12]) + 1)) : `${changed[k]}9`;
    return changed;
  });
  return text([...next, ...registryRows(rand, 300, 2, rows.length)]);
}

const allBuckets = Array.from({ length: PARTITIONS * BUCKETS_PER_PARTITION }, (_, b) => b);

/** What a store holds of a registry: its queryable rows of `ids` and every bucket's BLOB. */
async function contents(store: PartitionedStore, ids: string[]) {
  const buckets = await store.readBuckets(allBuckets);
  return { rows: await store.registry(ids), blobs: buckets.map((b) => ({ bucket: b.bucket, meters: b.meters, registry: Buffer.from(b.registry) })) };
}

const both = async () => (runPostgresTests ? [await sqlite(), await openTestStore({ partitions: PARTITIONS })] : [await sqlite()]);

describe("registry import on SQLite and PostgreSQL", () => {
  for (const seed of seeds(1204)) {
    it(`gives the reader's meters, the same BLOBs and counts on both stores (seed ${seed})`, async () => {
      const rand = mulberry32(seed);
      const first = join(dir, `first-${seed}.csv`);
      const second = join(dir, `second-${seed}.csv`);
      const n = 1500 + Math.floor(rand() * 1000);
      const rows = registryRows(rand, n, 1);
      writeFileSync(first, text(rows));
      writeFileSync(second, nextVersion(rand, rows));
      const meterTypes = (name: string) => plugins.meterType(name);
      const expected1 = await readMeters(first, { meterTypes });
      const expected2 = await readMeters(second, { meterTypes });
      const ids = [...new Set([...expected1.meters, ...expected2.meters].map((m) => m.meterId))];

      const results = [];
      for (const store of await both()) {
        const one = await importRegistry(store, first, plugins);
        expect(one).toMatchObject({ inserted: expected1.meters.length, updated: 0, unchanged: 0, rejected: expected1.rejected.length });
        expect(one.rejections).toEqual(expected1.rejected);
        expect(await store.registry(expected1.meters.map((m) => m.meterId))).toEqual(expected1.meters);
        const afterFirst = await contents(store, ids);
        const blobs = afterFirst.blobs.map((b) => decodeRegistry(b.registry));
        expect(blobs.reduce((sum, c) => sum + c.size, 0)).toBe(expected1.meters.length);
        expect(await importRegistry(store, first, plugins)).toMatchObject({ skipped: true, unchanged: expected1.meters.length });

        const two = await importRegistry(store, second, plugins);
        expect(two.inserted + two.updated + two.unchanged).toBe(expected2.meters.length);
        expect(two.updated).toBeGreaterThan(0);
        expect(two.unchanged).toBeGreaterThan(0);
        expect(await store.registry(expected2.meters.map((m) => m.meterId))).toEqual(expected2.meters);
        // Known meters kept their slots; new ones came after them.
        const afterSecond = await contents(store, ids);
        for (const before of afterFirst.blobs) {
          const now = afterSecond.blobs.find((b) => b.bucket === before.bucket);
          const was = decodeRegistry(before.registry).ids;
          expect(decodeRegistry(now!.registry).ids.slice(0, was.length)).toEqual(was);
        }
        results.push({ one: { ...one, rejections: undefined }, two: { ...two, rejections: undefined }, afterFirst, afterSecond });
      }
      if (results.length === 2) expect(results[1]).toEqual(results[0]);
    });
  }

  it("writes records (writeMeters) as the import writes the same meters", async () => {
    const path = join(dir, "records.csv");
    writeFileSync(path, registryText(mulberry32(5), 400, 1));
    const { meters } = await readMeters(path, { meterTypes: (name) => plugins.meterType(name) });
    const [a, b] = [await sqlite(), await sqlite()];
    await importRegistry(a, path, plugins, true);
    expect(await writeMeters(b, meters)).toEqual({ inserted: meters.length, updated: 0, unchanged: 0, baselinesIgnored: [] });
    const ids = meters.map((m) => m.meterId);
    expect(await contents(b, ids)).toEqual(await contents(a, ids));
  });
});
