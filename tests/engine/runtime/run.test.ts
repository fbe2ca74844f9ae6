// `meterflow run` end to end on small files with a real SQLite state file: consumption and
// periods in billing.csv, holds with reasons, rejections with reasons, conservation.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFiles } from "../../../engine/runtime/index.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();

const meters = write(dir, "meters.csv", [
  METERS_HEADER,
  "E-1,electricity.register,kWh,1,,,,,,,,,,",
  "E-2,electricity.register,kWh,2.5,,,,,,,,,4825,2026-10-31",
  "W-1,water.register,m3,1,10000,,,,,,,,,",
  "G-5,gas.register,m3,1,,5,,,,,,,,",
]);

describe("meterflow run", () => {
  it("bills consumption per period and holds what must not be billed", async () => {
    const readings = write(dir, "readings.csv", [
      "meter_id,end,value,override,source,verification",
      "E-1,2026-10-31,100,,,",
      "E-1,2026-11-30,160,,,",
      "E-2,2026-11-30,4900,,,",
      "W-1,2026-11-01,9990,,,",
      "W-1,2026-11-30,5,,,",
      "E-1,2026-11-15,120,,,", // back-dated: between 10-31 and 11-30
      "X-9,2026-11-30,5,,,", // unknown meter
      "G-5,2026-11-01,950,,,",
      "G-5,2026-11-30,10,,,", // five dials: implausible, not a 59-unit wrap
    ]);
    const out = await runAndRead({ meters, inputs: [readings], db: join(dir, "a.db"), out: join(dir, "out-a") });
    const bill = Object.fromEntries(out.billing.map((r) => [r.reading_id, r]));
    // Within the batch, E-1's readings are processed in end order: 10-31, 11-15, 11-30.
    expect(bill["E-1@2026-11-15"]).toMatchObject({ start: "2026-11-01", end: "2026-11-15", days: "15", previous: "100", current: "120", consumption: "20" });
    expect(bill["E-1@2026-11-30"]).toMatchObject({ start: "2026-11-16", days: "15", consumption: "40", flags: "" });
    expect(bill["E-2@2026-11-30"]).toMatchObject({ previous: "4825", consumption: "187.5", days: "30", daily: "6.25" });
    expect(bill["W-1@2026-11-30"]).toMatchObject({ consumption: "15", flags: "rollover" });
    const held = Object.fromEntries(out.held.map((r) => [r.reading_id, r.reasons]));
    expect(held).toEqual({
      "E-1@2026-10-31": "initial",
      "W-1@2026-11-01": "initial",
      "G-5@2026-11-01": "initial",
      "G-5@2026-11-30": "implausible_rollover",
      "X-9@2026-11-30": "unknown_meter",
    });
    expect(out.summary).toMatchObject({ in: 9, billable: 4, held: 5, rejected: 0, duplicates: 0, balanced: true });
    const sha256 = createHash("sha256").update(readFileSync(readings)).digest("hex");
    expect(out.summary.inputs).toEqual([{ path: readings, bytes: statSync(readings).size, sha256 }]);
  });

  it("rejects bad rows with their line and reason and goes on", async () => {
    const readings = write(dir, "bad.csv", [
      "meter_id,end,value,override,source,verification",
      "E-1,2026-11-01,abc,,,",
      "E-1,2026-11-02,-5,,,",
      "E-1,2026-11-03,NaN,,,",
      "E-1,2026-13-40,5,,,",
      "E-1,2031-01-01,5,,,",
      "E-1,2026-11-04",
      "G-5,2026-11-05,100000,,,",
      "E-1,2026-11-06,7,,robot,",
      ",2026-11-07,7,,,",
      "E-1,2026-11-08,8,,,",
    ]);
    const out = await runAndRead({ meters, inputs: [readings], db: join(dir, "b.db"), out: join(dir, "out-b") });
    expect(out.rejected.map((r) => [r.source_line, r.reason])).toEqual([
      ["2", "bad_value"], ["3", "negative_value"], ["4", "non_finite_value"], ["5", "bad_date"], ["6", "future_date"],
      ["7", "column_count"], ["8", "value_exceeds_register"], ["9", "bad_source"], ["10", "missing_meter_id"],
    ]);
    expect(out.rejected[0]).toMatchObject({ meter_id: "E-1", raw: "E-1,2026-11-01,abc,,," });
    expect(out.summary).toMatchObject({ in: 10, rejected: 9, held: 1, billable: 0, balanced: true });
  });

  it("bills nothing twice: a second run of the same input is all duplicates", async () => {
    const readings = write(dir, "twice.csv", [
      "meter_id,end,value,override,source,verification",
      "E-1,2026-10-31,100,,,", "E-1,2026-11-30,160,,,", "E-1,2026-11-30,160,,,", "E-1,2026-11-30,161,,,", "bad,row",
    ]);
    const db = join(dir, "c.db");
    const first = await runAndRead({ meters, inputs: [readings], db, out: join(dir, "out-c1") });
    expect(first.summary).toMatchObject({ in: 5, billable: 1, held: 2, rejected: 1, duplicates: 1 });
    expect(first.held.map((r) => r.reasons).sort()).toEqual(["conflict", "initial"]);
    const second = await runAndRead({ meters, inputs: [readings], db, out: join(dir, "out-c2") });
    expect(second.summary).toMatchObject({ in: 5, billable: 0, held: 0, rejected: 1, duplicates: 4, balanced: true });
    expect(second.billing).toEqual([]);
    // The same readings in another file (other batch boundaries) are duplicates reading by reading.
    const copy = write(dir, "copy.csv", ["meter_id,end,value", "E-1,2026-11-30,160", "E-1,2026-10-31,100", "E-1,2026-11-30,999"]);
    const third = await runAndRead({ inputs: [copy], db, out: join(dir, "out-c3") });
    expect(third.summary).toMatchObject({ in: 3, duplicates: 2, held: 1, billable: 0 });
    expect(third.held[0]).toMatchObject({ reading_id: "E-1@2026-11-30", reasons: "conflict" });
  });

  it("imports the registry again only when it changed", async () => {
    const db = join(dir, "reg.db");
    const registry = write(dir, "reg.csv", [METERS_HEADER, "R-1,electricity.register,kWh,1,,,,,,,,,,"]);
    const readings = write(dir, "reg-readings.csv", ["meter_id,end,value", "R-1,2026-11-01,5"]);
    const first = await runAndRead({ meters: registry, inputs: [readings], db, out: join(dir, "out-reg1") });
    expect(first.summary.meters.imported).toEqual({ inserted: 1, updated: 0, unchanged: 0, rejected: 0 });
    const same = await runAndRead({ meters: registry, inputs: [readings], db, out: join(dir, "out-reg2") });
    // Not read again, and counted as what it is: one meter, unchanged (issue 14 item 8).
    expect(same.summary.meters.imported).toEqual({ inserted: 0, updated: 0, unchanged: 1, rejected: 0, skipped: true });
    write(dir, "reg.csv", [METERS_HEADER, "R-1,electricity.register,kWh,2,,,,,,,,,,", "R-2,gas.register,m3,1,,,,,,,,,,"]);
    const changed = await runAndRead({ meters: registry, inputs: [readings], db, out: join(dir, "out-reg3") });
    // The run loads only the bucket of the meter its readings name.
    expect(changed.summary.meters).toEqual({ registered: 2, loaded: 1, imported: { inserted: 1, updated: 1, unchanged: 0, rejected: 0 } });
  });

  it("runs an empty file as a night without readings", async () => {
    const empty = write(dir, "empty.csv", []);
    const out = await runAndRead({ meters, inputs: [empty], db: join(dir, "e.db"), out: join(dir, "out-e") });
    expect(out.summary).toMatchObject({ in: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, balanced: true });
    expect(out.billing).toEqual([]);
  });

  it("writes NDJSON outputs on request", async () => {
    const readings = write(dir, "nd.csv", ["meter_id,end,value", "E-1,2026-10-31,100", "E-1,2026-11-30,160"]);
    await runAndRead({ meters, inputs: [readings], db: join(dir, "d.db"), out: join(dir, "out-d"), format: "ndjson" }).catch(() => undefined);
    const lines = readFileSync(join(dir, "out-d", "billing.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ reading_id: "E-1@2026-11-30", consumption: 60, flags: [] })]);
    const summary = JSON.parse(readFileSync(join(dir, "out-d", "summary.json"), "utf8"));
    expect(summary).toMatchObject({ in: 2, billable: 1, held: 1 });
  });
});

describe("meterflow run that fails at its end", () => {
  it("removes every partial file it can (a directory took billing.csv's name during the run) and says nothing is left", async () => {
    const readings = write(dir, "late-dir.csv", ["meter_id,end,value", "E-1,2026-10-31,100", "E-1,2026-11-30,160"]);
    const out = join(dir, "out-late-dir");
    const run = runFiles({ meters, inputs: [readings], db: join(dir, "late-dir.db"), out, onWarning: () => undefined,
      // After the first batch, once the outputs are open: the publishing rename then fails.
      onProgress: () => void mkdirSync(join(out, "billing.csv"), { recursive: true }) });
    const error = await run.then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error).toMatchObject({ code: "EISDIR", syscall: "rename" });
    expect(error?.message).not.toMatch(/partial outputs left/);
    expect(readdirSync(out)).toEqual(["billing.csv", "meters-rejected.csv"]);
  });
});
