// A record whose key is a known column in another spelling is rejected `misspelt_column` in NDJSON
// and msgpack (README audit): only an NDJSON file's first record was checked, so a later
// `{"Override": 3}` was an extra key, ignored, and the reading billed 99 instead of its override 3.
// Channels count as known columns; other extra keys are still ignored.
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { createMeterIndex, readReadings, REJECT } from "../../../engine/ingest/index.js";
import { tempDir, writeFile } from "./helpers.js";

const dir = tempDir();
const RECORDS = [
  { meter_id: "A", end: "2026-11-01", value: 100 },
  { meter_id: "B", end: "2026-11-02", value: 100, Override: 3 },
  { meter_id: "C", end: "2026-11-02", value: 100, " value": 7 },
  { meter_id: "D", end: "2026-11-02", Value: 100 },
  { meter_id: "E", end: "2026-11-02", value: 100, Temperature: 4 },
  { meter_id: "F", end: "2026-11-02", value: 100, comment: "read by Anna", Notes: "x" },
  { meter_id: "", end: "2026-11-02", Value: 100 },
];
// E's "Temperature" is the plugin channel "temperature" in capitals; the last row has no id at all.
const WANT = [0, REJECT.misspelt_column, REJECT.misspelt_column, REJECT.misspelt_column, REJECT.misspelt_column, 0, REJECT.missing_meter_id];

async function reasons(path: string, channels = new Map([["temperature", 0]])): Promise<number[]> {
  const out: number[] = [];
  for await (const b of readReadings(path, { meters: createMeterIndex(), batchSize: 100, channels })) {
    for (let row = 0; row < b.length; row++) out.push(b.reject[row]);
  }
  return out;
}

describe("a known column in another spelling, after the first record", () => {
  it("is misspelt_column in NDJSON", async () => {
    const path = writeFile(dir, "k.ndjson", RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    expect(await reasons(path)).toEqual(WANT);
  });

  it("is misspelt_column in msgpack maps", async () => {
    const path = writeFile(dir, "k.msgpack", Buffer.concat(RECORDS.map((r) => pack(r))));
    expect(await reasons(path)).toEqual(WANT);
  });

  it("rejects every row of a msgpack columnar batch with one, and none of a batch without", async () => {
    const good = { meter_id: ["A", "B"], end: "2026-11-01", value: [1, 2] };
    const bad = { meter_id: ["C", "D", "E"], end: "2026-11-01", value: [1, 2, 3], OVERRIDE: [0, 0, 0] };
    const path = writeFile(dir, "k-columns.msgpack", Buffer.concat([pack(good), pack(bad)]));
    expect(await reasons(path)).toEqual([0, 0, REJECT.misspelt_column, REJECT.misspelt_column, REJECT.misspelt_column]);
  });

  it("without the channel, its name in capitals is an extra key like any other", async () => {
    const path = writeFile(dir, "k2.ndjson", `${JSON.stringify(RECORDS[4])}\n`);
    expect(await reasons(path, new Map())).toEqual([0]);
  });
});
