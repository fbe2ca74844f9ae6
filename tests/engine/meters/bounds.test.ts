// Every consumption is a finite number (rules audit): a registry `scaling_factor` of 1e300 and
// readings 1 then 1e10 billed `Infinity` with the default rules (nothing holds a non-finite
// consumption). The registry bounds scaling factors and pulse weights (at most 10^9), reset values
// and baselines (below 10^22), and a reading's value is below 10^22 whatever its meter, in every
// input format and on both registry readers (CSV bytes, NDJSON values).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMeters } from "../../../engine/meters/index.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-bounds-");
let n = 0;

const HEADER = "meter_id,type,scaling_factor,reset_value,last_reading,last_end,pulse_weight";
const ROWS: Array<[string, string]> = [
  ["F300,electricity.register,1e300,,,,", "bad_scaling_factor"],
  ["F2E9,electricity.register,2000000000,,,,", "bad_scaling_factor"],
  ["R23,electricity.register,,1e23,,,", "bad_reset_value"],
  ["L22,electricity.register,,,1e22,2026-10-31,", "bad_last_reading"],
  ["W2E9,electricity.pulse,,,,,2000000000", "bad_pulse_weight"],
  ["F1E9,electricity.register,1000000000,1e22,9.9e21,2026-10-31,", ""],
  ["W1E9,electricity.pulse,,,,,1000000000", ""],
];

function ndjsonOf(csv: string[]): string[] {
  const keys = HEADER.split(",");
  return csv.map((line) => JSON.stringify(Object.fromEntries(line.split(",").map((v, i) => [keys[i], v === "" ? null : /^[\d.e]+$/.test(v) ? Number(v) : v]))));
}

describe("registry bounds: a factor, weight, reset or baseline that would make a consumption infinite is refused", () => {
  it.each(["csv", "ndjson"])("in a %s registry", async (format) => {
    const lines = ROWS.map(([row]) => row);
    const path = write(dir, `m-${n++}.${format}`, format === "csv" ? [HEADER, ...lines] : ndjsonOf(lines));
    const { meters, rejected } = await readMeters(path);
    expect(rejected.map((r) => [r.meterId, r.reason])).toEqual(ROWS.filter(([, reason]) => reason !== "").map(([row, reason]) => [row.split(",")[0], reason]));
    expect(meters.map((m) => [m.meterId, m.scalingFactor, m.resetValue, m.lastReading, m.pulseWeight])).toEqual([
      ["F1E9", 1e9, 1e22, 9.9e21, null],
      ["W1E9", 1, null, null, 1e9],
    ]);
  });
});

describe("a run bills finite numbers only", () => {
  it.each(["csv", "ndjson"])("values at or above 10^22 are rejected value_exceeds_register, registered or not (%s readings)", async (format) => {
    const meters = write(dir, `m-${n++}.csv`, [HEADER, "F1E9,electricity.register,1000000000,,,,", "F300,electricity.register,1e300,,,,", "P,electricity.pulse,,,,,1000000000"]);
    const rows: Array<[string, string, number]> = [
      ["F1E9", "2026-11-01", 1], ["F1E9", "2026-11-02", 9.99e21], ["F1E9", "2026-11-03", 1e22],
      ["F300", "2026-11-01", 1], ["F300", "2026-11-02", 1e10],
      ["NEW", "2026-11-01", 1e22],
      ["P", "2026-11-01", 0], ["P", "2026-11-02", 1e22], ["P", "2026-11-03", 5],
    ];
    const input = format === "csv"
      ? write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...rows.map((r) => r.join(","))])
      : write(dir, `r-${n++}.ndjson`, rows.map(([meter_id, end, value]) => JSON.stringify({ meter_id, end, value })));
    const out = join(dir, `o-${n++}`);
    const r = await runAndRead({ meters, inputs: [input], db: join(dir, `s-${n++}.db`), out });
    expect(r.summary.meters.imported?.rejected).toBe(1);
    expect(r.rejected.map((x) => [x.meter_id, x.reason])).toEqual([["F1E9", "value_exceeds_register"], ["NEW", "value_exceeds_register"], ["P", "value_exceeds_register"]]);
    // The largest consumption the bounds allow is billed as the number it is.
    expect(r.billing.map((b) => [b.meter_id, Number(b.consumption)])).toEqual([["F1E9", (9.99e21 - 1) * 1e9]]);
    // P's 5 pulses after the rejected count are 5 x 10^9 units, a finite number (held here by the pulse rules).
    expect(r.held.filter((h) => h.meter_id === "P" && h.previous !== "").map((h) => [h.end, Number(h.consumption)])).toEqual([["2026-11-03", 5e9]]);
    // F300 was not imported (bad_scaling_factor): its readings are held unknown_meter, not billed Infinity.
    expect(r.held.filter((h) => h.meter_id === "F300").map((h) => h.reasons)).toEqual(["unknown_meter", "unknown_meter"]);
    expect(readFileSync(join(out, "billing.csv"), "utf8")).not.toMatch(/Infinity|NaN/);
    expect(r.summary.balanced).toBe(true);
  });
});
