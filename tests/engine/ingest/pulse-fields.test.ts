// Pulse columns read alike from CSV, NDJSON and msgpack (README "Pulse meters": the columns work
// in all three): `tamper_open` as 1/0, true/false (any case, also as text in NDJSON and msgpack,
// which the pulse audit found rejected bad_pulse_field there), and a bad value rejected in each.
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { createMeterIndex, readReadings, REJECT } from "../../../engine/ingest/index.js";
import { tempDir, writeFile } from "./helpers.js";

const dir = tempDir();
const GIVEN: unknown[] = [1, 0, true, false, "1", "0", "true", "FALSE", " True ", "open"];
const WANT = [1, 0, 1, 0, 1, 0, 1, 0, 1, Number.NaN];

async function decoded(path: string): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  for await (const b of readReadings(path, { meters: createMeterIndex(), batchSize: 100 })) {
    for (let row = 0; row < b.length; row++) out.push([b.reject[row] === 0 ? b.pulse!.tamperOpen[row] : Number.NaN, b.reject[row]]);
  }
  return out;
}

describe("tamper_open", () => {
  const rows = GIVEN.map((v, i) => ({ meter_id: `T${i}`, end: "2026-11-01", value: 10, tamper_open: v }));
  const csv = ["meter_id,end,value,tamper_open", ...rows.map((r) => `${r.meter_id},${r.end},${r.value},${String(r.tamper_open).trim()}`)].join("\n") + "\n";
  const files = {
    csv: writeFile(dir, "t.csv", csv),
    ndjson: writeFile(dir, "t.ndjson", rows.map((r) => JSON.stringify(r)).join("\n") + "\n"),
    msgpack: writeFile(dir, "t.msgpack", Buffer.concat(rows.map((r) => pack(r)))),
  };

  it.each(Object.keys(files))("is 1/0 from 1/0, true/false in any case, as values or text (%s); anything else is bad_pulse_field", async (format) => {
    const got = await decoded(files[format as keyof typeof files]);
    expect(got.map(([v]) => v)).toEqual(WANT);
    expect(got.map(([, reject]) => reject)).toEqual(WANT.map((w) => (Number.isNaN(w) ? REJECT.bad_pulse_field : 0)));
  });
});
