// Several reading files of one run are decided together (README "Inputs": "routed together, as if
// they were one file"), also when a file carries pulse or sensor columns: a pulse meter's days
// given newest file first bill as in one file (not held back_dated_pulses), a register meter's
// days beside a channel column bill without a correction, and a truck's temperatures split over
// two uploads raise the cold-chain alert of one upload, and a logger's days in two pulse-events
// files bill as in one. From the built command, with the
// decision in the main thread and in a pool (the decoding thread routes then).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const root = tempDir("meterflow-files-together-");
let n = 0;

/** A directory with `files` written; returns its path. */
function workspace(files: Record<string, string[]>): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  return dir;
}

/** Runs `inputs` in one run; returns billing, held, alerts and the summary. */
function run(dir: string, threads: string, inputs: string[], ...more: string[]) {
  const out = `out-${threads}-${inputs.join("+")}`;
  const r = meterflowIn(dir, "run", "--meters", "meters.csv", "--db", `${out}.db`, "--out", out, "--threads", threads, "--quiet", ...more, ...inputs);
  expect(r.status, r.stderr).toBe(0);
  const read = (file: string) => readCsv(join(dir, out, file));
  return { billing: read("billing.csv"), held: read("held.csv"), alerts: read("alerts.csv"), summary: JSON.parse(readFileSync(join(dir, out, "summary.json"), "utf8")) };
}

describe.each(["0", "2"])("files of one run decided together (--threads %s)", (threads) => {
  it("a pulse meter's days in two files, the later day first: billed as in one file", () => {
    const dir = workspace({
      "meters.csv": ["meter_id,pulse_weight", "P1,1"],
      "r1.csv": ["meter_id,end,value,pulse_min_on_ms", "P1,2026-11-02,20,40"],
      "r2.csv": ["meter_id,end,value,pulse_min_on_ms", "P1,2026-11-01,10,40"],
      "one.csv": ["meter_id,end,value,pulse_min_on_ms", "P1,2026-11-02,20,40", "P1,2026-11-01,10,40"],
    });
    const two = run(dir, threads, ["r1.csv", "r2.csv"]);
    expect(two.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["P1@2026-11-02", "20"]]);
    expect(two.held.map((h) => [h.reading_id, h.reasons])).toEqual([["P1@2026-11-01", "initial"]]);
    const one = run(dir, threads, ["one.csv"]);
    expect(two.billing).toEqual(one.billing);
    expect(two.held).toEqual(one.held);
  });

  it("a register meter's days beside a channel column in two files: the later day billed once, no correction", () => {
    const dir = workspace({
      "meters.csv": ["meter_id,type,unit", "R1,electricity.register,kWh"],
      "ra.csv": ["meter_id,end,value,temperature", "R1,2026-10-04,405,"],
      "rb.csv": ["meter_id,end,value,temperature", "R1,2026-10-01,260,20"],
    });
    const r = run(dir, threads, ["ra.csv", "rb.csv"]);
    expect(r.billing.map((b) => [b.reading_id, b.consumption, b.flags])).toEqual([["R1@2026-10-04", "145", ""]]);
    expect(r.held.map((h) => [h.reading_id, h.reasons])).toEqual([["R1@2026-10-01", "initial"]]);
    expect(r.summary.corrections).toBe(0);
  });

  it("a logger's days in two pulse-events files, the later day first: decided together, rejected rows naming their file", () => {
    const dir = workspace({
      "meters.csv": ["meter_id,pulse_weight", "P1,1"],
      "e1.csv": ["meter_id,time,on_ms", "P1,2026-11-02T05:00:00Z,50", "P1,2026-11-02T06:00:00Z,50", "P1,not-a-time,50"],
      "e2.csv": ["meter_id,time,on_ms", "P1,2026-11-01T05:00:00Z,50", "P1,2026-11-01T06:00:00Z,50", "P1,2026-11-01T07:00:00Z,50"],
    });
    const r = run(dir, threads, [], "--pulse-events", "e1.csv", "--pulse-events", "e2.csv");
    expect(r.held.map((h) => [h.reading_id, h.reasons])).toEqual([["P1@2026-11-01", "initial"]]);
    expect(r.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["P1@2026-11-02", "2"]]);
    const rejected = readCsv(join(dir, `out-${threads}-`, "rejected.csv"));
    expect(rejected.map((x) => [x.file, x.source_line, x.reason])).toEqual([["e1.csv", "4", "bad_event_time"]]);
    expect(r.summary.inputs.map((i: { path: string; readings: number; rejected: number }) => [i.path, i.readings, i.rejected]))
      .toEqual([["e1.csv", 1, 1], ["e2.csv", 1, 0]]);
    expect(r.summary.in).toBe(r.summary.billable + r.summary.held + r.summary.rejected + r.summary.duplicates);
  });

  it("a truck's temperatures split over two uploads, the later one first: the cold-chain alert of one upload", () => {
    const dir = workspace({
      "meters.csv": ["meter_id", "TRUCK-1"],
      "config.json": [JSON.stringify({ plugins: [{ plugin: "meterflow-cold-chain", meters: ["TRUCK-*"] }] })],
      "a.csv": ["meter_id,end,value,temperature", "TRUCK-1,2026-11-01T10:40:00Z,,9"],
      "b.csv": ["meter_id,end,value,temperature", "TRUCK-1,2026-11-01T10:00:00Z,,9", "TRUCK-1,2026-11-01T10:20:00Z,,9"],
    });
    const r = run(dir, threads, ["a.csv", "b.csv"], "--config", "config.json");
    expect(r.alerts.map((a) => [a.meter_id, a.rule])).toEqual([["TRUCK-1", "meterflow-cold-chain/too-warm"]]);
    expect(r.summary.sensors.late).toBe(0);
  });
});
