// The byte encoder of billing and held rows writes exactly what the string formatter writes.
import { describe, expect, it } from "vitest";
import { createFormatter, csvRow, LineBuffer } from "../../../engine/sinks/index.js";
import { csv } from "../../../engine/sinks/format.js";
import { mulberry32 } from "../../helpers/random.js";

describe("CSV billing rows as bytes", () => {
  it("match the string formatter on random and awkward rows", () => {
    const rnd = mulberry32(11);
    const ids = ["E-1", "W-000123", "a,b", 'q"uote', "Zähler-7", "x"];
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const value = () => pick([0, -0, 1, 12.5, -3.25, 0.1 + 0.2, 48213.25, 2 ** 53, 2 ** 53 + 2, 1e300, Number.NaN, Infinity,
      -Infinity, 1e-7, -1e-7, 9.999999999, (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12)]);
    // The ids' bytes one after another, as a batch stages them: each row names its id by offsets.
    const joined = Buffer.from(ids.join(""), "utf8");
    const spans = ids.map((_, k) => {
      const from = Buffer.byteLength(ids.slice(0, k).join(""), "utf8");
      return [from, from + Buffer.byteLength(ids[k], "utf8")] as const;
    });
    const format = createFormatter("csv");
    const lines = new LineBuffer();
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const key = Math.floor(rnd() * ids.length);
      const row = [pick([Number.NaN, 20400 + Math.floor(rnd() * 400)]), 20800 + Math.floor(rnd() * 50), Math.floor(rnd() * 40),
        value(), value(), value(), value(), pick([0, 1, 5, 64, 0x7fff])] as const;
      format.billing(lines, joined, spans[key][0], spans[key][1], ...row);
      expected.push(csvRow(ids[key], ...row));
    }
    const got = lines.bytes().toString("utf8").split("\n");
    expect(got.length).toBe(expected.length + 1);
    for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) expect.fail(`row ${i}: ${got[i]} instead of ${expected[i]}`);
  });

  it("writes held rows as the string formatter with their reasons, ids of every kind, in a buffer that grows", () => {
    const rnd = mulberry32(23);
    const ids = ["E-1", "a,b", 'q"uote', "Zähler-7", "😀-1", "x".repeat(400), ""];
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const value = () => pick([0, -0, 12.5, -3.25, 0.1 + 0.2, 2 ** 53 + 2, Number.NaN, Infinity, (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12)]);
    const format = createFormatter("csv");
    const lines = new LineBuffer(false, 64);
    const expected: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const meterId = pick(ids);
      const row = { readingId: "", meterId, start: pick([Number.NaN, 20400 + Math.floor(rnd() * 400)]), end: 20800 + Math.floor(rnd() * 50),
        days: Math.floor(rnd() * 40), previous: value(), current: value(), consumption: value(), daily: value(), flags: pick([0, 1, 5, 64]) };
      const reasons = pick(["initial", "implausible_rollover|temp_bad", "unknown_meter", "zähler_prüfung", `r${i % 1500}`,
        "turbidity high, check filter", 'say "hi"', "two\nlines", "temp_bad:a, b|c"]);
      format.held(lines, row, reasons);
      expected.push(`${csvRow(meterId, row.start, row.end, row.days, row.previous, row.current, row.consumption, row.daily, row.flags)},${csv(reasons)}`);
    }
    const got = splitCsvLines(lines.bytes().toString("utf8"));
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) expect.fail(`row ${i}: ${got[i]} instead of ${expected[i]}`);
  });

  it("quotes a reason with a comma, quote or line break (RFC 4180): a held row keeps its 11 fields", () => {
    const format = createFormatter("csv");
    const lines = new LineBuffer();
    const row = { readingId: "", meterId: "S-1", start: 20758, end: 20787, days: 30, previous: 100, current: 150, consumption: 100, daily: 3.333333, flags: 0 };
    format.held(lines, row, "turbidity high, check filter");
    format.held(lines, { ...row, meterId: "a,b" }, 'said "no"\nthen|temp_bad:x');
    const records = parseCsv(lines.bytes().toString("utf8"));
    expect(records.map((r) => r.length)).toEqual([11, 11]);
    expect(records[0][10]).toBe("turbidity high, check filter");
    expect(records[1][1]).toBe("a,b");
    expect(records[1][10]).toBe('said "no"\nthen|temp_bad:x');
  });

  it("quotes every text field of rejected and alert rows that needs it", () => {
    const format = createFormatter("csv");
    const lines = new LineBuffer();
    format.rejected(lines, { sourceLine: 3, meterId: "m,1", reason: "odd, reason", raw: 'a,"b"', file: "in,1.csv" });
    format.alert(lines, { meterId: "m,1", end: 20787, channel: "c,h", severity: "warn, high", rule: 'r "1"', message: "a\nb, c" });
    const records = parseCsv(lines.bytes().toString("utf8"));
    expect(records).toEqual([
      ["3", "m,1", "odd, reason", 'a,"b"', "in,1.csv"],
      ["m,1", "2026-11-30", "c,h", "warn, high", 'r "1"', "a\nb, c"],
    ]);
  });
});

/** RFC 4180 records of `text` (every record ends with a line break). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n") {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = "";
    } else field += c;
  }
  return records;
}

/** The lines of `text` as records: a line break inside quotes stays in its record. */
function splitCsvLines(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === "\n" && !quoted) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return out;
}
