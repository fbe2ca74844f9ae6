// A registry line over the record limit because of one huge field is `field_too_long` (with its
// meter id, for CSV), as in readings (issue 14 item 6); the rows after it are imported.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMeters } from "../../../engine/meters/index.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-registry-long-");
const huge = "x".repeat(200_000);

describe("registry lines with a huge field", () => {
  it("CSV: field_too_long with the meter id; a 2,000-character field too; the next row imported", async () => {
    const path = join(dir, "m.csv");
    writeFileSync(path, `meter_id,cost_center,scaling_factor\nA,${huge},1\nB,${"y".repeat(2000)},1\nC,cc,2\n`);
    const { meters, rejected } = await readMeters(path);
    expect(rejected.map((r) => [r.line, r.meterId, r.reason])).toEqual([[2, "A", "field_too_long"], [3, "B", "field_too_long"]]);
    expect(meters.map((m) => m.meterId)).toEqual(["C"]);
  });

  it("NDJSON: field_too_long; the next row imported", async () => {
    const path = join(dir, "m.ndjson");
    writeFileSync(path, `{"meter_id":"A","cost_center":"${huge}"}\n{"meter_id":"C","scaling_factor":2}\n`);
    const { meters, rejected } = await readMeters(path);
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([[1, "field_too_long"]]);
    expect(meters.map((m) => m.meterId)).toEqual(["C"]);
  });
});
