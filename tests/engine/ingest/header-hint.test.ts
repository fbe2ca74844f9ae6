// headerHint: what a refused CSV header is told when its required column is there in another
// spelling (another separator, spaces around a name, capitals), and nothing otherwise.
import { describe, expect, it } from "vitest";
import { headerHint } from "../../../engine/ingest/header-hint.js";

const WANTED = ["meter_id", "end", "value"];

describe("headerHint", () => {
  it("names the separator a header seems to use", () => {
    expect(headerHint(["meter_id;end;value"], WANTED)).toMatch(/^ \(the header looks separated by ';': /);
    expect(headerHint(["meter_id\tend\tvalue"], WANTED)).toMatch(/separated by tabs/);
    expect(headerHint(["meter_id|end|value"], WANTED)).toMatch(/separated by '\|'/);
    // A ';' file whose decimal commas split its header into several fields.
    expect(headerHint(["Zähler;end;value 1", "5"], WANTED)).toMatch(/separated by ';'/);
  });

  it("names the columns with spaces around them, or in capitals", () => {
    expect(headerHint(["meter_id", " end", " value "], WANTED)).toBe(' (the header has " end", " value ": write column names without spaces around them)');
    expect(headerHint(["Meter_ID", "END", "value"], WANTED)).toBe(' (the header has "Meter_ID", "END": column names are lower case, as "meter_id", "end")');
  });

  it("says when lines end in a carriage return alone (input audit: it said the header lacked `value`)", () => {
    // `meter_id,end,value\rM1,2026-11-01,100\r` is one record: its last field holds the rest of the file.
    expect(headerHint(["meter_id", "end", "value\rM1", "2026-11-01", "100\r"], WANTED)).toMatch(/^ \(its lines end in a carriage return alone \(CR\): meterflow reads LF or CRLF/);
  });

  it("says nothing when no field is a wanted name in another spelling", () => {
    expect(headerHint(["id", "when", "reading"], WANTED)).toBe("");
    expect(headerHint(["id;x", "when"], WANTED)).toBe("");
    expect(headerHint([], WANTED)).toBe("");
  });
});
