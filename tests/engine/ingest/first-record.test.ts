// A CSV file's first record read on its own (ingest/first-record.ts), and the header checks built
// on it that `meterflow run` makes before it touches anything: each says of a header exactly what
// decoding the file would, having read only up to the end of its first record.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPulseEventsHeader, readPulseEvents } from "../../../engine/ingest/events.js";
import { checkReadingsCsvHeader, createMeterIndex, firstCsvRecord, readReadings } from "../../../engine/ingest/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { outcome } from "../../helpers/outcome.js";

const dir = tempDir("meterflow-first-record-");
let n = 0;
const file = (content: string | Uint8Array, ext = "csv"): string => {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, content);
  return path;
};
const fields = (path: string): string[] | null => {
  const tok = firstCsvRecord(path);
  return tok === null ? null : Array.from({ length: tok.count }, (_, i) => tok.fieldString(i));
};

describe("firstCsvRecord", () => {
  it("reads the first record: after a BOM and blank lines, CRLF, quoted line breaks, no line end at all", () => {
    expect(fields(file("\uFEFFmeter_id,end,value\r\nE-1,2026-11-01,1\r\n"))).toEqual(["meter_id", "end", "value"]);
    expect(fields(file("\n\nmeter_id,end\n"))).toEqual(["meter_id", "end"]);
    expect(fields(file('"meter\nid",end\nE-1,x\n'))).toEqual(["meter\nid", "end"]);
    expect(fields(file("meter_id,end,value"))).toEqual(["meter_id", "end", "value"]);
  });

  it("is null for a file without records, and a header over the record limit is one malformed record", () => {
    expect(fields(file(""))).toBeNull();
    expect(fields(file("\n\r\n\n"))).toBeNull();
    const tok = firstCsvRecord(file(`${"x".repeat(200_000)},end\nE-1,1\n`));
    expect(tok?.malformed).toBe(true);
  });

  it("rejects MF_ERR_INPUT_OPEN for a file it cannot open", () => {
    expect(() => firstCsvRecord(join(dir, "nope.csv"))).toThrow(expect.objectContaining({ code: "MF_ERR_INPUT_OPEN" }));
  });
});

describe("the header checks", () => {
  const channels = new Map([["temperature", 0]]);
  const headers = [
    "meter_id,end,value", "meter_id,value", "meter_id;end;value", "Meter_ID,End,Value", "meter_id, end, value", "meter_id,end,temperature",
    "meter_id,end,value,end", '"meter_id,end,value', "",
  ];

  it("say of a readings header what decoding the file says", async () => {
    for (const header of headers) {
      const path = file(`${header}\nE-1,2026-11-01,1\n`);
      const decoded = await outcome(async () => {
        for await (const _ of readReadings(path, { meters: createMeterIndex(), channels })) void _;
      });
      expect(await outcome(() => checkReadingsCsvHeader(path, channels)), header).toBe(decoded);
    }
  });

  it("say of a pulse-events header what reading the file says; NDJSON and msgpack files have none, but a start in another format is refused", async () => {
    for (const header of ["meter_id,time,on_ms", "meter_id,on_ms", "meter_id\ttime", "time", ""]) {
      const path = file(`${header}\nL-1,2026-11-30T06:15:02Z,48\n`);
      const read = await outcome(() => readPulseEvents(path, { meters: createMeterIndex() }));
      expect(await outcome(() => checkPulseEventsHeader(path)), header).toBe(read);
    }
    expect(await outcome(() => checkPulseEventsHeader(file('{"meter_id":"L-1","on_ms":48}\n', "ndjson")))).toBe("ok");
    // A CSV file named .ndjson (ingest/looks.ts): refused by the check as by reading it.
    const csv = file("meter_id,on_ms\n", "ndjson");
    const read = await outcome(() => readPulseEvents(csv, { meters: createMeterIndex() }));
    expect(read).toMatch(/^MF_ERR_INPUT_HEADER: pulse events file is read as NDJSON, but it looks like CSV/);
    expect(await outcome(() => checkPulseEventsHeader(csv))).toBe(read);
  });
});
