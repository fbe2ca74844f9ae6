// The same readings as CSV, NDJSON, msgpack records and a msgpack columnar batch give the same
// billing, held and rejected outputs.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,2,,,,,,,,,,", "E-2,electricity.register,kWh,1,,4,,,,,,,,"]);
const rows = [
  { meter_id: "E-1", end: "2026-10-31", value: 100 },
  { meter_id: "E-1", end: "2026-11-30", value: 160, source: "manual" },
  { meter_id: "E-2", end: "2026-11-01", value: 9990 },
  { meter_id: "E-2", end: "2026-11-30T22:30:00-03:00", value: 5 },
  { meter_id: "E-2", end: "2026-11-15", value: -1 },
];

async function outcome(file: string, name: string) {
  const out = await runAndRead({ meters, inputs: [file], db: join(dir, `${name}.db`), out: join(dir, `out-${name}`) });
  return {
    summary: { in: out.summary.in, billable: out.summary.billable, held: out.summary.held, rejected: out.summary.rejected },
    billing: out.billing.map((r) => [r.reading_id, r.start, r.days, r.consumption, r.flags]),
    held: out.held.map((r) => [r.reading_id, r.reasons]).sort(),
    rejected: out.rejected.map((r) => [r.source_line, r.meter_id, r.reason]),
  };
}

describe("input formats", () => {
  it("give identical outcomes", async () => {
    const csv = write(dir, "r.csv", ["meter_id,end,value,source", ...rows.map((r) => `${r.meter_id},${r.end},${r.value},${r.source ?? ""}`)]);
    const ndjson = write(dir, "r.ndjson", rows.map((r) => JSON.stringify(r)));
    const records = join(dir, "r.msgpack");
    writeFileSync(records, Buffer.concat(rows.map((r) => pack(r))));
    const columnar = join(dir, "c.msgpack");
    writeFileSync(columnar, pack({ meter_id: rows.map((r) => r.meter_id), end: rows.map((r) => r.end), value: rows.map((r) => r.value) }));

    const expected = await outcome(csv, "csv");
    expect(expected.summary).toEqual({ in: 5, billable: 2, held: 2, rejected: 1 });
    expect(expected.billing).toEqual([
      ["E-1@2026-11-30", "2026-11-01", "30", "120", ""],
      // 22:30 at -03:00 is 01:30 the next day in UTC.
      ["E-2@2026-12-01", "2026-11-02", "30", "14", "rollover"],
    ]);
    // The bad row is the fifth reading: line 6 of the CSV (after its header), line or record 5 elsewhere.
    expect(expected.rejected).toEqual([["6", "E-2", "negative_value"]]);
    for (const [file, name] of [[ndjson, "ndjson"], [records, "records"], [columnar, "columnar"]]) {
      expect(await outcome(file, name), name).toEqual({ ...expected, rejected: [["5", "E-2", "negative_value"]] });
    }
  });
});
