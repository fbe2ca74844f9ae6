// A meter id of nothing but spaces or tabs is no meter id: `missing_meter_id` in the readings
// (CSV, quoted CSV, NDJSON) and in the registry (it was held `unknown_meter` for the meter "   ",
// and imported as a meter). `source` is read in any case, as `verification` is (AUTO was rejected
// `bad_source` while TRUE was taken).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();

describe("blank meter ids and the case of source", () => {
  it("reject a blank meter id in every readings format, and in the registry", async () => {
    const meters = write(dir, "meters.csv", ["meter_id", "M1", "   ", '" \t "']);
    const csv = write(dir, "r.csv", ["meter_id,end,value,source", "M1,2026-11-01,100,AUTO", "   ,2026-11-02,110,", '"  ",2026-11-02,110,', "M1,2026-11-03,120,Manual"]);
    const ndjson = write(dir, "r.ndjson", [
      JSON.stringify({ meter_id: "M1", end: "2026-11-01", value: 100, source: "AUTO" }),
      JSON.stringify({ meter_id: "  \t", end: "2026-11-02", value: 110 }),
      JSON.stringify({ meter_id: "M1", end: "2026-11-03", value: 120, source: "Manual" }),
    ]);
    for (const input of [csv, ndjson]) {
      const o = await runAndRead({ meters, inputs: [input], db: join(dir, `${input.endsWith("csv") ? "c" : "n"}.db`), out: join(dir, `o-${input.split(".").pop()}`) });
      expect(o.summary.meters.imported).toMatchObject({ inserted: 1, rejected: 2 });
      const blanks = input === csv ? 2 : 1;
      expect(o.rejected.map((r) => r.reason)).toEqual(Array(blanks).fill("missing_meter_id"));
      expect(o.summary).toMatchObject({ in: 2 + blanks, billable: 1, held: 1, rejected: blanks, balanced: true });
      expect(o.held.map((r) => [r.meter_id, r.reasons])).toEqual([["M1", "initial"]]);
      expect(o.billing.map((r) => [r.meter_id, r.end, r.consumption])).toEqual([["M1", "2026-11-03", "20"]]);
    }
  });
});
