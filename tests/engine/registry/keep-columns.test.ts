// A registry file without every column, imported over meters already in the store: the columns it
// lacks keep each meter's stored values (README "Meter registry"). A price file
// `meter_id,unit_price` used to reset scaling factors to 1, digits, rollover modes and baselines
// to none: the next reading of a meter at factor 2.5 was held `initial` instead of billed 25.
// On both stores, through importRegistry (the read-whole and the threaded import) and the CLI.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { MeterRecord } from "../../../engine/meters/index.js";
import { loadPlugins } from "../../../engine/plugins/index.js";
import { importRegistry } from "../../../engine/registry/import.js";
import { REGISTRY_GENERATION } from "../../../engine/store/contract.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { openSqlitePartitionedStore } from "../../../engine/store/sqlite/index.js";
import { meterflowIn } from "../../helpers/cli.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { openTestStore, runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-keep-columns-");
const plugins = await loadPlugins({ baseDir: dir, plugins: [] });
let files = 0;

const opened: PartitionedStore[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const HEADER = "meter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center,gl_account," +
  "last_reading,last_end,pulse_weight,pulse_input,pulse_width_ms,qmax,no_pulse_days,debounce_ms";
const FULL = [
  HEADER,
  "E-1,electricity.register,kWh,,,,,,,,,,,,,,,,,",
  "E-2,electricity.register,kWh,2.5,10000,,modulus,E-1,0.31,0.2,CC-7,4000,9876.5,2026-08-31,,,,,,",
  "W-1,water.pulse,m3,,,,,,,,,,,,0.001,namur,30,5,3,10",
];

function file(lines: string[], ext = "csv"): string {
  const path = join(dir, `f${files++}.${ext}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

type Open = () => Promise<PartitionedStore>;
const stores: Array<[string, Open]> = [["SQLite", async () => {
  const store = await openSqlitePartitionedStore(join(dir, `s${files++}.db`), { partitions: 2 });
  opened.push(store);
  return store;
}]];
if (runPostgresTests) stores.push(["PostgreSQL", () => openTestStore({ partitions: 2 })]);

async function one(store: PartitionedStore, id: string): Promise<MeterRecord> {
  const [row] = await store.registry([id]);
  return row;
}

describe.each(stores)("a registry file without every column, over stored meters, on %s", (_name, open) => {
  for (const threadFromBytes of [Infinity, 0]) {
    it(`keeps the columns it lacks, sets the ones it has, empty cells too (${threadFromBytes === 0 ? "a threaded import asked, which such a file does not take" : "read whole"})`, async () => {
      const store = await open();
      expect(await importRegistry(store, file(FULL), plugins)).toMatchObject({ inserted: 3, rejected: 0 });
      const before = await one(store, "E-2");
      // A price file: E-1 gets a price, E-2 a new one and no cost centre (an empty cell clears), N-1 is new.
      const prices = file(["meter_id,unit_price,cost_center", "E-1,0.5,", "E-2,0.35,", "N-1,0.4,CC-1"]);
      const imported = await importRegistry(store, prices, plugins, true, { threadFromBytes });
      expect(imported).toMatchObject({ inserted: 1, updated: 2, unchanged: 0, rejected: 0 });
      expect(await one(store, "E-2")).toEqual({ ...before, unitPrice: 0.35, costCenter: null });
      expect(await one(store, "E-1")).toMatchObject({ type: "electricity.register", unit: "kWh", unitPrice: 0.5 });
      // A meter the store did not have gets the defaults of a missing column.
      expect(await one(store, "N-1")).toMatchObject({ type: "", scalingFactor: 1, unitPrice: 0.4, costCenter: "CC-1", lastReading: null });
      // The pulse meter, not in the file, is as it was.
      expect(await one(store, "W-1")).toMatchObject({ pulseWeight: 0.001, pulseInput: "namur", noPulseDays: 3, debounceMs: 10 });
      // The same file again changes nothing.
      expect(await importRegistry(store, prices, plugins, true, { threadFromBytes })).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    });
  }

  it("checks the merged row as a whole row: digits its stored reset value does not fit under are rejected, the meter keeps its row", async () => {
    const store = await open();
    await importRegistry(store, file(FULL), plugins);
    const before = await one(store, "E-2");
    const imported = await importRegistry(store, file(["meter_id,digits", "E-1,6", "E-2,3"]), plugins, true);
    expect(imported).toMatchObject({ inserted: 0, updated: 1, rejected: 1 });
    expect(imported.rejections).toEqual([{ line: 3, meterId: "E-2", reason: "bad_reset_value", raw: "E-2,3" }]);
    expect(await one(store, "E-2")).toEqual(before);
    expect(await one(store, "E-1")).toMatchObject({ digits: 6, type: "electricity.register" });
  });

  it("merges a row that is valid only over its stored one (a pulse setting alone, a baseline's reading alone)", async () => {
    const store = await open();
    await importRegistry(store, file(FULL), plugins);
    const w1 = await one(store, "W-1");
    const e2 = await one(store, "E-2");
    // Read alone, `W-1,7` has a Qmax without a pulse weight and `E-2,100` a reading without its date.
    expect(await importRegistry(store, file(["meter_id,qmax", "W-1,7"]), plugins, true)).toMatchObject({ updated: 1, rejected: 0 });
    expect(await one(store, "W-1")).toEqual({ ...w1, qmax: 7 });
    expect(await importRegistry(store, file(["meter_id,last_reading", "E-2,100"]), plugins, true)).toMatchObject({ updated: 1, rejected: 0 });
    expect(await one(store, "E-2")).toEqual({ ...e2, lastReading: 100 });
  });

  it("does not keep what a meter type filled in when the row changes the meter's type or unit; keeps what was given", async () => {
    const store = await open();
    await importRegistry(store, file(FULL), plugins);
    const w1 = await one(store, "W-1");
    // W-1 in litres: the m3 type's pulse weight would bill a thousandth; as a full row, no weight is bad_pulse_weight.
    const litres = await importRegistry(store, file(["meter_id,unit", "W-1,l"]), plugins, true);
    expect(litres).toMatchObject({ updated: 0, rejected: 1 });
    expect(litres.rejections?.map((r) => [r.meterId, r.reason])).toEqual([["W-1", "bad_pulse_weight"]]);
    expect(await one(store, "W-1")).toEqual(w1);
    // W-1 becomes a gas meter: its pulse weight and Qmax (in the unit) are gas.pulse's, as a new
    // G-1's are; the settings its row gave (input, width, days, debounce) are kept.
    expect(await importRegistry(store, file(["meter_id,type", "W-1,gas.pulse", "G-1,gas.pulse"]), plugins, true)).toMatchObject({ inserted: 1, updated: 1 });
    const asGas = await one(store, "W-1");
    const fresh = await one(store, "G-1");
    expect(asGas).toEqual({ ...fresh, meterId: "W-1", pulseInput: "namur", pulseWidthMs: 30, noPulseDays: 3, debounceMs: 10 });
    expect(asGas.pulseWeight).not.toBe(w1.pulseWeight);
    // A register meter's unit spelt again keeps the scaling factor its row gave (a CT meter's).
    const e2 = await one(store, "E-2");
    expect(await importRegistry(store, file(["meter_id,unit", "E-2,Wh"]), plugins, true)).toMatchObject({ updated: 1, rejected: 0 });
    expect(await one(store, "E-2")).toEqual({ ...e2, unit: "Wh" });
  });

  it("keeps columns after a first import whose count of meters was never written (a crash between the two)", async () => {
    const store = await open();
    await importRegistry(store, file(FULL), plugins);
    await store.setMeta("meters_registered", "0");
    const before = await one(store, "E-2");
    await importRegistry(store, file(["meter_id,unit_price", "E-2,0.5"]), plugins, true);
    expect(await one(store, "E-2")).toEqual({ ...before, unitPrice: 0.5 });
  });

  it("NDJSON: a known column in another spelling in a later record rejects that row misspelt_column", async () => {
    const store = await open();
    await importRegistry(store, file(FULL), plugins);
    const before = await one(store, "E-2");
    const lines = ['{"meter_id":"E-1","unit_price":1}', '{"meter_id":"E-2","Scaling_Factor":4}'];
    const imported = await importRegistry(store, file(lines, "ndjson"), plugins, true);
    expect(imported.rejections).toEqual([{ line: 2, meterId: "E-2", reason: "misspelt_column", raw: lines[1] }]);
    expect(await one(store, "E-2")).toEqual(before);
  });

  it("moves the registry generation with every import that writes, in its transaction (what workers' caches are checked against)", async () => {
    const store = await open();
    const generation = async () => Number(await store.meta(REGISTRY_GENERATION));
    await importRegistry(store, file(FULL), plugins);
    const first = await generation();
    const prices = file(["meter_id,unit_price", "E-2,0.5"]);
    await importRegistry(store, prices, plugins);
    await importRegistry(store, file(["meter_id,scaling_factor", "E-2,3"]), plugins);
    // The price file again: its digest is the one imported two files ago; the registry is not what it was then.
    await importRegistry(store, prices, plugins);
    expect(await generation()).toBe(first + 3);
  });

  it("reads an unchanged registry again once a future last_end it rejected has come", async () => {
    // The re-import audit: a run skips a registry file imported last, so a meter rejected for a
    // baseline dated after tomorrow stayed rejected (its readings unknown_meter) after that day.
    const store = await open();
    const now = Date.UTC(2026, 11, 7, 12);
    vi.useFakeTimers({ toFake: ["Date"], now });
    try {
      const path = file([HEADER, ...FULL.slice(1), "N-9,electricity.register,kWh,,,,,,,,,,500,2026-12-10,,,,,,"]);
      const first = await importRegistry(store, path, plugins, false);
      expect(first.rejections?.map((r) => [r.meterId, r.reason])).toEqual([["N-9", "bad_last_end"]]);
      vi.setSystemTime(now + 86_400_000); // 12-08: still after tomorrow
      expect(await importRegistry(store, path, plugins, false)).toMatchObject({ skipped: true, rejected: 1 });
      vi.setSystemTime(now + 2 * 86_400_000); // 12-09: 12-10 is tomorrow
      const again = await importRegistry(store, path, plugins, false);
      expect(again).toMatchObject({ inserted: 1, rejected: 0 });
      expect(again.skipped).toBeUndefined();
      expect(await one(store, "N-9")).toMatchObject({ lastReading: 500 });
      expect(await importRegistry(store, path, plugins, false)).toMatchObject({ skipped: true, rejected: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("NDJSON: a key a record lacks keeps the stored value, null clears it", async () => {
    const store = await open();
    await importRegistry(store, file(FULL), plugins);
    const before = await one(store, "E-2");
    const imported = await importRegistry(store, file(['{"meter_id":"E-2","unit_price":0.4,"parent_id":null}'], "ndjson"), plugins, true);
    expect(imported).toMatchObject({ updated: 1, rejected: 0 });
    expect(await one(store, "E-2")).toEqual({ ...before, unitPrice: 0.4, parentId: null });
  });
});

describe.each(stores.map(([name]) => [name]))("the bill after a price file, through the CLI, on %s", (name) => {
  it("bills the next reading at the stored factor against the stored baseline", () => {
    const db = name === "SQLite" ? join(dir, `cli${files++}.db`) : testStoreUrl();
    const full = file(FULL);
    const prices = file(["meter_id,unit_price", "E-2,0.35"]);
    expect(meterflowIn(dir, "meters", "import", "--db", db, full).status).toBe(0);
    const priced = meterflowIn(dir, "meters", "import", "--db", db, prices);
    expect(priced.stdout.trim()).toBe("meters: 0 inserted, 1 updated, 0 unchanged, 0 rejected");
    const readings = file(["meter_id,end,value", "E-2,2026-09-30,9886.5"]);
    const out = join(dir, `out${files++}`);
    const run = meterflowIn(dir, "run", "--db", db, "--out", out, readings);
    expect(run.status).toBe(0);
    const billing = readCsv(join(out, "billing.csv"));
    expect(billing.map((r) => [r.meter_id, r.consumption])).toEqual([["E-2", "25"]]);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toMatchObject({ in: 1, billable: 1, held: 0 });
  });
});
