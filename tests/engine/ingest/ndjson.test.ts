// The NDJSON readings reader: values as numbers or strings, malformed lines, blank lines, CRLF,
// line numbers and chunk boundaries.
import { describe, expect, it } from "vitest";
import { createMeterIndex, readNdjsonReadings, SOURCE, VERIFICATION } from "../../../engine/ingest/index.js";
import { chunks, options, rowsOf } from "./helpers.js";

const read = (input: string, extra: Record<string, unknown> = {}, chunkSize?: number) =>
  rowsOf(readNdjsonReadings(chunks(input, chunkSize), options(createMeterIndex(), extra)));

describe("readNdjsonReadings", () => {
  it("decodes readings with numbers or strings as values", async () => {
    const lines = [
      '{"meter_id":"E-1","end":"2026-11-30","value":48213.25}',
      '{"meter_id":"E-2","end":"2026-11-30T23:30:00-02:00","value":"12.5","override":"3","source":"manual","verification":true}',
      '{"meter_id":"E-1","end":"2026-12-01","value":48220,"verification":"false","source":"import","extra":{"x":1}}',
      '{"meter_id":42,"end":"2026-12-01","value":0,"override":null,"source":"","verification":""}',
    ];
    const rows = await read(`${lines.join("\n")}\n`);
    expect(rows).toEqual([
      { line: 1, meter: "E-1", end: "2026-11-30", value: 48213.25, override: NaN, source: SOURCE.auto, verification: VERIFICATION.unset, reject: null, raw: lines[0] },
      { line: 2, meter: "E-2", end: "2026-12-01", value: 12.5, override: 3, source: SOURCE.manual, verification: VERIFICATION.true, reject: null, raw: lines[1] },
      { line: 3, meter: "E-1", end: "2026-12-01", value: 48220, override: NaN, source: SOURCE.import, verification: VERIFICATION.false, reject: null, raw: lines[2] },
      { line: 4, meter: "42", end: "2026-12-01", value: 0, override: NaN, source: SOURCE.auto, verification: VERIFICATION.unset, reject: null, raw: lines[3] },
    ]);
  });

  it("rejects broken JSON and non-objects as malformed_record and the rest like CSV", async () => {
    const lines = [
      '{"meter_id":"A","end":"2026-11-30","value":1', // malformed_record
      "[1,2,3]", // malformed_record
      '"text"', // malformed_record
      "null", // malformed_record
      '{"end":"2026-11-30","value":1}', // missing_meter_id
      '{"meter_id":"A","end":"2026-11-30","value":true}', // bad_value
      '{"meter_id":"A","end":"2026-11-30"}', // bad_value
      '{"meter_id":"A","end":"2026-11-30","value":"Infinity"}', // non_finite_value
      '{"meter_id":"A","end":"2026-11-30","value":-1}', // negative_value
      '{"meter_id":"A","end":20260101,"value":1}', // bad_date
      '{"meter_id":"A","end":"2027-01-01","value":1}', // future_date
      `{"meter_id":"A","end":"2026-11-30","value":1,"note":"${"n".repeat(2000)}"}`, // field_too_long
      '{"meter_id":"A","end":"2026-11-30","value":1,"override":"x"}', // bad_override
      '{"meter_id":"A","end":"2026-11-30","value":1,"source":"robot"}', // bad_source
      '{"meter_id":" \\t ","end":"2026-11-30","value":1,"source":"Manual"}', // missing_meter_id (blank); Manual is manual: any case
      '{"meter_id":"A","end":"2026-11-30","value":1,"verification":"maybe"}', // bad_verification
      '{"meter_id":"A","end":"2026-11-30","value":1,"verification":2}', // bad_verification
    ];
    const rows = await read(lines.join("\n"));
    expect(rows.map((r) => r.reject)).toEqual([
      "malformed_record",
      "malformed_record",
      "malformed_record",
      "malformed_record",
      "missing_meter_id",
      "bad_value",
      "bad_value",
      "non_finite_value",
      "negative_value",
      "bad_date",
      "future_date",
      "field_too_long",
      "bad_override",
      "bad_source",
      "missing_meter_id",
      "bad_verification",
      "bad_verification",
    ]);
    expect(rows.map((r) => r.raw)).toEqual(lines);
    expect(rows.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1));
  });

  it("skips blank lines, handles a BOM, CRLF and a last line without newline", async () => {
    const input = '\uFEFF{"meter_id":"A","end":"2026-11-30","value":1}\r\n\r\n   \n{"meter_id":"B","end":"2026-11-30","value":2}';
    const rows = await read(input);
    expect(rows.map((r) => [r.line, r.meter, r.raw])).toEqual([
      [1, "A", '{"meter_id":"A","end":"2026-11-30","value":1}'],
      [4, "B", '{"meter_id":"B","end":"2026-11-30","value":2}'],
    ]);
  });

  it("rejects an overlong line with bounded raw text and keeps reading", async () => {
    const long = `{"meter_id":"A","end":"2026-11-30","value":1,"pad":"${"p".repeat(500)}"}`;
    const next = '{"meter_id":"B","end":"2026-11-30","value":2}';
    const rows = await read(`${long}\n${next}\n`, { maxRecordBytes: 100 }, 7);
    expect(rows.map((r) => [r.line, r.reject, r.raw])).toEqual([
      [1, "malformed_record", long.slice(0, 100)],
      [2, null, next],
    ]);
  });

  it("gives identical rows for 1-byte chunks and one chunk, across batches", async () => {
    const lines = Array.from({ length: 23 }, (_, i) => `{"meter_id":"Zä${i % 4}","end":"2026-11-${String(1 + i).padStart(2, "0")}","value":${i % 5 === 4 ? -i : i}}`);
    const input = `${lines.join("\r\n")}\r\n`;
    const whole = await read(input, { batchSize: 5 });
    expect(whole.map((r) => r.meter)).toEqual(lines.map((_, i) => `Zä${i % 4}`));
    expect(whole.filter((r) => r.reject === "negative_value").length).toBe(4);
    expect(await read(input, { batchSize: 5 }, 1)).toEqual(whole);
    expect(await read(input, { batchSize: 64 }, 13)).toEqual(whole);
  });
});
