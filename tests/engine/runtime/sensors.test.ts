// Sensor channels through `meterflow run`: wide columns and channel rows, sensor rows accounted
// (in = billable + held + rejected + duplicates + sensor), values out of range rejected (sensor
// rows) or alerted (reading rows), thresholds with durations across batches and runs, offline
// logs judged in time order, plugin facts in rules, meter types' defaults in the registry.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
let n = 0;
const coldChain = join(dir, "meterflow.config.json");
writeFileSync(coldChain, JSON.stringify({ plugins: ["meterflow-cold-chain"] }));
const meters = write(dir, "meters.csv", ["meter_id,type", "E-1,electricity.register", "T-1,", "T-2,"]);
const alertsOf = (out: string) => readCsv(join(out, "alerts.csv"));
const run = (inputs: string[], extra: { db?: string; config?: string; rules?: string[]; batchSize?: number } = {}) => {
  const out = join(dir, `out-${n++}`);
  return runAndRead({ meters, inputs, db: extra.db ?? join(dir, `s-${n}.db`), out, ...extra }).then((o) => ({ ...o, alerts: alertsOf(out) }));
};

describe("sensor channels in a run", () => {
  it("account sensor rows, reject sensor rows out of range, alert readings' values out of range", async () => {
    const csv = write(dir, "wide.csv", [
      "meter_id,end,value,temperature,humidity",
      "E-1,2026-11-01,100,21.5,40",
      "E-1,2026-11-02,110,400,40",
      "T-1,2026-11-02T08:00:00Z,,4.5,",
      "T-1,2026-11-02T08:05:00Z,,-120,",
      "T-1,2026-11-02T08:10:00Z,,warm,",
      "T-1,2026-11-02T08:15:00Z,,,",
    ]);
    const out = await run([csv]);
    expect(out.summary).toMatchObject({ in: 6, billable: 1, held: 1, rejected: 3, sensor: 1, balanced: true });
    expect(out.rejected.map((r) => [r.source_line, r.reason])).toEqual([["5", "out_of_range"], ["6", "out_of_range"], ["7", "bad_value"]]);
    expect(out.alerts.map((a) => [a.meter_id, a.end, a.channel, a.severity, a.rule])).toEqual([["E-1", "2026-11-02", "temperature", "warning", "range/temperature"]]);
    expect(out.summary.sensors).toMatchObject({ values: 5, out_of_range: 1 });
  });

  it("take only whole numbers on an integer channel (0/1 flags)", async () => {
    const csv = write(dir, "flags.csv", ["meter_id,end,power_loss", "T-1,2026-11-02T08:00:00Z,1", "T-1,2026-11-02T08:05:00Z,0.5", "T-1,2026-11-02T08:10:00Z,0"]);
    const out = await run([csv]);
    expect(out.summary).toMatchObject({ in: 3, sensor: 2, rejected: 1, balanced: true });
    expect(out.rejected.map((r) => [r.source_line, r.reason])).toEqual([["3", "out_of_range"]]);
    expect(out.alerts.map((a) => a.rule)).toEqual(["meterflow-power/power-loss"]);
  });

  it("read wide channel columns alike from CSV, NDJSON and msgpack", async () => {
    const rows = [
      { meter_id: "E-1", end: "2026-11-01", value: 100, temperature: 21.5 },
      { meter_id: "E-1", end: "2026-11-02", value: 110, temperature: 400 },
      { meter_id: "T-1", end: "2026-11-02T08:00:00Z", temperature: 4.5 },
      { meter_id: "T-1", end: "2026-11-02T08:05:00Z", temperature: -120 },
    ];
    const csv = write(dir, "w.csv", ["meter_id,end,value,temperature", ...rows.map((r) => `${r.meter_id},${r.end},${r.value ?? ""},${r.temperature}`)]);
    const ndjson = write(dir, "w.ndjson", rows.map((r) => JSON.stringify(r)));
    const records = join(dir, "w.msgpack");
    writeFileSync(records, Buffer.concat(rows.map((r) => pack(r))));
    const columnar = join(dir, "w-c.msgpack");
    writeFileSync(columnar, pack({ meter_id: rows.map((r) => r.meter_id), end: rows.map((r) => r.end), value: rows.map((r) => r.value ?? null), temperature: rows.map((r) => r.temperature) }));
    for (const file of [csv, ndjson, records, columnar]) {
      const out = await run([file]);
      expect(out.summary, file).toMatchObject({ in: 4, billable: 1, held: 1, sensor: 1, rejected: 1, balanced: true });
      expect(out.summary.sensors, file).toMatchObject({ values: 3, out_of_range: 1 });
    }
  });

  it("read channel rows (meter_id,end,channel,value) like wide columns, in every format", async () => {
    const rows = [
      { meter_id: "T-1", end: "2026-11-02T08:00:00Z", channel: "temperature", value: -5 },
      { meter_id: "T-1", end: "2026-11-02T08:00:00Z", channel: "humidity", value: 101 },
      { meter_id: "T-1", end: "2026-11-02T08:00:00Z", channel: "vibration", value: 3 },
    ];
    const csv = write(dir, "long.csv", ["meter_id,end,channel,value", ...rows.map((r) => `${r.meter_id},${r.end},${r.channel},${r.value}`)]);
    const ndjson = write(dir, "long.ndjson", rows.map((r) => JSON.stringify(r)));
    const records = join(dir, "long.msgpack");
    writeFileSync(records, Buffer.concat(rows.map((r) => pack(r))));
    const columnar = join(dir, "long-c.msgpack");
    writeFileSync(columnar, pack({ meter_id: rows.map((r) => r.meter_id), end: rows.map((r) => r.end), channel: rows.map((r) => r.channel), value: rows.map((r) => r.value) }));
    for (const file of [csv, ndjson, records, columnar]) {
      const out = await run([file]);
      expect(out.summary, file).toMatchObject({ in: 3, sensor: 1, rejected: 2, balanced: true });
      expect(out.rejected.map((r) => r.reason), file).toEqual(["out_of_range", "unknown_channel"]);
    }
  });

  it("take a pulse meter's rows of channel values as sensor rows, judged, not rejected bad_pulse_count", async () => {
    // A pulse meter's radio module reports its housing's temperature and power loss between its
    // daily counts: rows without a count, in the run's thread and in the decoding thread.
    const reg = write(dir, "pulse-sensor-meters.csv", ["meter_id,type", "W-1,water.pulse"]);
    const csv = write(dir, "pulse-sensor.csv", ["meter_id,end,value,power_loss", "W-1,2026-11-01,0,", "W-1,2026-11-02,120,",
      "W-1,2026-11-02T06:00:00Z,,1", "W-1,2026-11-02T06:05:00Z,,0"]);
    const expected = { in: 4, billable: 1, held: 1, rejected: 0, sensor: 2, balanced: true };
    const inline = await runAndRead({ meters: reg, inputs: [csv], db: join(dir, "pulse-sensor.db"), out: join(dir, "pulse-sensor") });
    expect(inline.rejected.map((r) => r.reason)).toEqual([]);
    expect(inline.summary).toMatchObject(expected);
    expect(alertsOf(join(dir, "pulse-sensor")).map((a) => [a.meter_id, a.rule])).toEqual([["W-1", "meterflow-power/power-loss"]]);
    const out = join(dir, "pulse-sensor-threads");
    const bin = join(packageRoot(), "dist", "engine", "cli", "main.js");
    const r = spawnSync(process.execPath, [bin, "run", "--quiet", "--threads", "1", "--meters", reg, "--db", join(dir, "pulse-sensor-t.db"), "--out", out, csv], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(readCsv(join(out, "rejected.csv")).map((x) => x.reason)).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toMatchObject(expected);
    expect(alertsOf(out).map((a) => [a.meter_id, a.rule])).toEqual([["W-1", "meterflow-power/power-loss"]]);
  });

  it("raise a cold-chain excursion after more than 30 minutes above 8 °C, across batches and runs, once per episode", async () => {
    const db = join(dir, "cold.db");
    const at = (h: number, m: number) => `2026-11-02T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00Z`;
    const first = write(dir, "cold-1.csv", ["meter_id,end,value,temperature", `T-1,${at(8, 0)},,5`, `T-1,${at(8, 10)},,9`, `T-1,${at(8, 25)},,9.5`]);
    const second = write(dir, "cold-2.csv", ["meter_id,end,value,temperature", `T-1,${at(8, 39)},,8.5`, `T-1,${at(8, 40)},,8.1`]);
    const third = write(dir, "cold-3.csv", ["meter_id,end,value,temperature", `T-1,${at(8, 41)},,8.2`, `T-1,${at(8, 50)},,9`, `T-1,${at(9, 0)},,7`, `T-2,${at(9, 0)},,8`]);
    const a = await run([first], { db, config: coldChain, batchSize: 2 });
    expect(a.alerts).toEqual([]);
    // 08:10 -> 08:40 is exactly 30 minutes, not more: no alert yet, the episode stays open.
    const b = await run([second], { db, config: coldChain });
    expect(b.alerts).toEqual([]);
    // 08:41 is more than 30 minutes: one alert, not another at 08:50; T-2 at exactly 8 °C is fine.
    const c = await run([third], { db, config: coldChain });
    expect(c.alerts.map((x) => [x.meter_id, x.channel, x.severity, x.rule])).toEqual([["T-1", "temperature", "critical", "meterflow-cold-chain/too-warm"]]);
    expect(c.summary.plugins.map((p) => p.name)).toContain("meterflow-cold-chain");
    // Without the profile in the configuration, no cold-chain threshold watches temperatures.
    const d = await run([first, second, third]);
    expect(d.alerts.filter((x) => x.rule.startsWith("meterflow-cold-chain/"))).toEqual([]);
  });

  it("judge a log uploaded after days offline in time order, whatever its row order", async () => {
    const lines = ["meter_id,end,value,temperature"];
    // 40 minutes above 8 °C from 10:00, written newest first.
    for (let m = 40; m >= 0; m -= 5) lines.push(`T-1,2026-11-03T10:${String(m).padStart(2, "0")}:00Z,,10`);
    lines.push("T-1,2026-11-03T09:55:00Z,,4");
    const out = await run([write(dir, "offline.csv", lines)], { config: coldChain });
    expect(out.alerts.map((a) => [a.rule, a.end])).toEqual([["meterflow-cold-chain/too-warm", "2026-11-03"]]);
    expect(out.summary.sensors).toMatchObject({ values: 10, late: 0, alerts: 1 });
  });

  it("give rules the channel values and derived facts of a reading", async () => {
    const rules = write(dir, "dew.json", [JSON.stringify({
      rules: [{ name: "condensation", conditions: { all: [{ fact: "dew_point", operator: "greaterThan", value: 15 }] },
        event: { type: "alert", params: { severity: "warning", channel: "humidity", message: "condensation risk" } } }],
    })]);
    const csv = write(dir, "dew.csv", ["meter_id,end,value,temperature,humidity", "E-1,2026-11-01,1,20,50", "E-1,2026-11-02,2,25,90", "E-1,2026-11-03,3,25,"]);
    const out = await run([csv], { rules: [rules] });
    expect(out.alerts.filter((a) => a.rule === "condensation").map((a) => a.end)).toEqual(["2026-11-02"]);
  });

  it("give every reading its own channel values and derived facts in a batch decided in runs of rows", async () => {
    // 2,500 meters x 3 days in one batch, decided in runs of 4,096 rows (decide/decider.ts), the
    // channel values found by row; and in batches of 1,000. Humid readings (25 degrees, 90%: dew point ~23) alert, dry ones
    // (10 degrees, 30%: ~-7) do not; which are humid is spread over the file.
    const rules = write(dir, "dew-runs.json", [JSON.stringify({
      // With a reading's own fact, so that only the reading's decision can fire it.
      rules: [{ name: "condensation", conditions: { all: [{ fact: "dew_point", operator: "greaterThan", value: 15 }, { fact: "value", operator: "greaterThan", value: 0 }] },
        event: { type: "alert", params: { severity: "warning", channel: "humidity", message: "condensation risk" } } }],
    })]);
    const ids = Array.from({ length: 2500 }, (_, i) => `E-${String(i).padStart(4, "0")}`);
    const reg = write(dir, "dew-meters.csv", ["meter_id,type", ...ids.map((id) => `${id},electricity.register`)]);
    const lines: string[] = [];
    const humid = new Set<string>();
    for (let d = 1; d <= 3; d++) {
      ids.forEach((id, i) => {
        const wet = (i * 7 + d * 3) % 11 === 0;
        if (wet) humid.add(`${id} 2026-11-0${d}`);
        // Some dry readings without a humidity: batches' values differ in where each row's are.
        lines.push(`${id},2026-11-0${d},${d * 10 + i},${wet ? "25,90" : (i + d) % 5 === 0 ? "10," : "10,30"}`);
      });
    }
    const csv = write(dir, "dew-runs.csv", ["meter_id,end,value,temperature,humidity", ...lines]);
    expect(humid.size).toBeGreaterThan(600);
    // One batch (two runs of rows), then batches of 1,000 (each its own values).
    for (const [batchSize, batches] of [[undefined, 1], [1000, 8]] as const) {
      const out = join(dir, `dew-runs-${batches}`);
      const o = await runAndRead({ meters: reg, inputs: [csv], db: join(dir, `dew-runs-${batches}.db`), out, rules: [rules], ...(batchSize === undefined ? {} : { batchSize }) });
      expect(o.summary).toMatchObject({ in: 7500, batches, balanced: true });
      const alerted = alertsOf(out).filter((a) => a.rule === "condensation").map((a) => `${a.meter_id} ${a.end}`);
      expect(new Set(alerted)).toEqual(humid);
      expect(alerted.length).toBe(humid.size);
    }
  });

  it("fill registry columns from the meter type's defaults, and reject types no plugin defines", async () => {
    const reg = write(dir, "typed.csv", ["meter_id,type,unit,pulse_weight", "W-1,water.pulse,,", "W-2,water.pulse,,0.01", "X-1,steam.register,,",
      // The type's pulse weight is in m3: a meter kept in litres must give its own.
      "W-3,water.pulse,l,"]);
    const csv = write(dir, "typed-r.csv", ["meter_id,end,value", "W-1,2026-11-01,0", "W-1,2026-11-02,120", "W-2,2026-11-01,0", "W-2,2026-11-02,120"]);
    const out = await runAndRead({ meters: reg, inputs: [csv], db: join(dir, "typed.db"), out: join(dir, "typed-out") });
    expect(out.summary.meters.imported).toMatchObject({ inserted: 2, rejected: 2 });
    const billed = Object.fromEntries(out.billing.map((r) => [r.meter_id, Number(r.consumption)]));
    // W-1 takes water.pulse's default weight; W-2 its own.
    expect(billed["W-2"]).toBeCloseTo(1.2, 9);
    expect(billed["W-1"]).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "typed-out", "summary.json"), "utf8")).toContain("meterflow-water");
  });
});
