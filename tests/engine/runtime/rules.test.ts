// meterflow run decided by rule files: hold, temp_bad (sticky, audited) and alert events,
// a rule that fails on a reading, the rules version recorded.
import Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { defaultRuleFiles, RulesDecider } from "../../../engine/runtime/index.js";
import { METERS_HEADER, readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,,", "E-2,electricity.register,kWh,1,,,,,,,,,,"]);
const rules = join(dir, "rules.json");
const rule = (name: string, conditions: object, event: object) => ({ name, conditions, event });
write(dir, "rules.json", [JSON.stringify({
  rules: [
    rule("first", { all: [{ fact: "initial", operator: "equal", value: true }] }, { type: "hold", params: { reason: "initial" } }),
    rule("high-use", { all: [{ fact: "daily", operator: "greaterThan", value: 50 }] },
      { type: "alert", params: { severity: "warning", channel: "consumption", message: "more than 50 a day" } }),
    rule("magic-value", { all: [{ fact: "value", operator: "equal", value: 777 }] }, { type: "temp_bad", params: { reason: "tamper_suspected" } }),
    rule("flagged", { all: [{ fact: "meter_temp_bad", operator: "equal", value: true }] }, { type: "hold", params: { reason: "temp_bad" } }),
    // `in` with a number throws in json-rules-engine. Condition priorities make it reached only for
    // meters of type "fuel.register": a higher-priority condition that fails stops the group first.
    rule("broken", { all: [{ fact: "meter_type", operator: "equal", value: "fuel.register", priority: 2 }, { fact: "days", operator: "in", value: 3, priority: 1 }] },
      { type: "hold", params: { reason: "never" } }),
  ],
})]);

describe("rules in the pipeline", () => {
  it("decide the same by columns as row by row, on the demo data", async () => {
    const data = await generateDemoData({ dir: join(dir, "demo"), meters: 300, days: 40 });
    const defaults = defaultRuleFiles();
    // A rule on a string fact cannot be columnar: with it, every reading is judged row by row.
    const rowwise = write(dir, "rowwise.json", [JSON.stringify(rule("row-by-row", { all: [{ fact: "meter_id", operator: "equal", value: "none" }] },
      { type: "hold", params: { reason: "never" } }))]);
    const run = (files: string[], name: string) => runAndRead({
      meters: data.files.meters, rules: files, inputs: [data.files.readings], db: join(dir, `${name}.db`), out: join(dir, name), batchSize: 3000,
    });
    expect((await RulesDecider.load(defaults)).columnar).toBeDefined();
    expect((await RulesDecider.load([...defaults, rowwise])).columnar).toBeUndefined();
    const columns = await run(defaults, "by-columns");
    const rows = await run([...defaults, rowwise], "by-rows");
    const sorted = (xs: Array<Record<string, string>>) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sorted(columns.billing)).toEqual(sorted(rows.billing));
    expect(sorted(columns.held)).toEqual(sorted(rows.held));
    expect(columns.summary.held_reasons).toEqual(rows.summary.held_reasons);
    expect(Object.keys(columns.summary.held_reasons)).toEqual(expect.arrayContaining(["initial", "temp_bad:zero_under_verification"]));
  });

  it("hold, flag, alert, and hold a reading a rule fails on", async () => {
    const readings = write(dir, "r.csv", [
      "meter_id,end,value",
      "E-1,2026-11-01,100", "E-1,2026-11-02,160", "E-1,2026-11-03,777", "E-1,2026-11-04,780",
      "E-2,2026-11-01,10", "E-2,2026-11-02,20",
    ]);
    const db = join(dir, "s.db");
    const out = await runAndRead({ meters, rules: [rules], inputs: [readings], db, out: join(dir, "out") });
    const held = Object.fromEntries(out.held.map((r) => [r.reading_id, r.reasons]));
    expect(held).toMatchObject({
      "E-1@2026-11-01": "initial",
      "E-1@2026-11-03": "temp_bad:tamper_suspected",
      "E-1@2026-11-04": "temp_bad",
      "E-2@2026-11-01": "initial",
    });
    expect(out.billing.map((r) => r.reading_id)).toEqual(["E-1@2026-11-02", "E-2@2026-11-02"]);
    const alerts = readCsv(join(dir, "out", "alerts.csv"));
    expect(alerts).toEqual([
      { meter_id: "E-1", end: "2026-11-02", channel: "consumption", severity: "warning", rule: "high-use", message: "more than 50 a day" },
      { meter_id: "E-1", end: "2026-11-03", channel: "consumption", severity: "warning", rule: "high-use", message: "more than 50 a day" },
      // Judged against 160, the latest trusted reading (777 is held, never a base): 620 in two days.
      { meter_id: "E-1", end: "2026-11-04", channel: "consumption", severity: "warning", rule: "high-use", message: "more than 50 a day" },
    ]);
    expect(out.summary).toMatchObject({ alerts: 3, balanced: true, rules: { files: [rules] } });
    const version = out.summary.rules.version;
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT meter_id, action, reason FROM audit").all()).toEqual([{ meter_id: "E-1", action: "set", reason: "tamper_suspected" }]);
    expect(sql.prepare("SELECT DISTINCT rules_version FROM held").pluck().all()).toEqual([version]);
    // The flag the rule set lives in the flags table, apart from state: no run overwrites it.
    expect(sql.prepare("SELECT meter_id, reason FROM flags").all()).toEqual([{ meter_id: "E-1", reason: "tamper_suspected" }]);
    sql.close();
  });

  it("holds a reading with rule_error when a rule throws on it, and goes on", async () => {
    const meters2 = write(dir, "m2.csv", [METERS_HEADER, "B-1,fuel.register,l,1,,,,,,,,,,"]);
    const readings = write(dir, "r2.csv", ["meter_id,end,value", "B-1,2026-11-01,1", "B-1,2026-11-02,2"]);
    const out = await runAndRead({ meters: meters2, rules: [rules], inputs: [readings], db: join(dir, "s2.db"), out: join(dir, "out2") });
    // A first reading held for more than `initial` is no baseline: the next one is initial too.
    expect(out.held.map((r) => r.reasons)).toEqual(["initial|rule_error:broken", "initial|rule_error:broken"]);
    expect(out.summary).toMatchObject({ in: 2, held: 2, billable: 0, balanced: true });
    expect(readFileSync(join(dir, "out2", "summary.json"), "utf8")).toContain("rule_error:broken");
  });
});
