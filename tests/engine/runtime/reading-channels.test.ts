// A reading row's register value and its channel values are judged apart: a channel value that is
// not a number does not cost the reading (it was rejected out_of_range, the register value lost),
// and a register value that is not a number is the reading's bad_value (it was taken for a sensor
// row: counted `sensor`, never billed, never rejected). In CSV and NDJSON alike.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", ["meter_id", "M1"]);
const rows = [
  { meter_id: "M1", end: "2026-11-01", value: "100", temperature: "20" },
  { meter_id: "M1", end: "2026-11-02", value: "abc", temperature: "21" },
  { meter_id: "M1", end: "2026-11-03", value: "120", temperature: "abc" },
  { meter_id: "M1", end: "2026-11-04", value: "130", temperature: "" },
];
const inputs = {
  csv: write(dir, "r.csv", ["meter_id,end,value,temperature", ...rows.map((r) => `${r.meter_id},${r.end},${r.value},${r.temperature}`)]),
  ndjson: write(dir, "r.ndjson", rows.map((r) => JSON.stringify(r))),
};

describe("a reading row's channel values", () => {
  for (const [format, path] of Object.entries(inputs)) {
    it(`keep the register value when a channel value is not a number, and reject a register value that is not one (${format})`, async () => {
      const out = join(dir, `out-${format}`);
      const o = await runAndRead({ meters, inputs: [path], db: join(dir, `${format}.db`), out });
      expect(o.summary).toMatchObject({ in: 4, billable: 2, held: 1, rejected: 1, sensor: 0, balanced: true });
      // The second reading: line 3 of the CSV (after its header), line 2 of the NDJSON.
      expect(o.rejected.map((r) => [r.source_line, r.meter_id, r.reason])).toEqual([[format === "csv" ? "3" : "2", "M1", "bad_value"]]);
      expect(o.billing.map((r) => [r.end, r.consumption])).toEqual([["2026-11-03", "20"], ["2026-11-04", "10"]]);
      const alerts = readCsv(join(out, "alerts.csv"));
      expect(alerts.map((a) => [a.meter_id, a.end, a.channel, a.severity, a.rule])).toEqual([["M1", "2026-11-03", "temperature", "warning", "range/temperature"]]);
      expect(alerts[0].message).toContain("not a number");
    });
  }

  it("raise a range alert once: the reading sent again in a later run is a duplicate and alerts nothing (pulse audit)", async () => {
    const db = join(dir, "resend.db");
    const first = await runAndRead({ meters, inputs: [inputs.csv], db, out: join(dir, "resend-1") });
    expect(first.summary.alerts).toBe(1);
    // The out-of-range reading again (and the next day's, so the file is not one committed batch).
    const again = write(dir, "again.csv", ["meter_id,end,value,temperature", "M1,2026-11-03,120,abc", "M1,2026-11-05,140,22"]);
    const second = await runAndRead({ meters, inputs: [again], db, out: join(dir, "resend-2") });
    expect(second.summary).toMatchObject({ in: 2, billable: 1, duplicates: 1, alerts: 0 });
    expect(second.summary.sensors).toMatchObject({ out_of_range: 0, late: 1 });
    expect(readCsv(join(dir, "resend-2", "alerts.csv"))).toEqual([]);
  });
});
