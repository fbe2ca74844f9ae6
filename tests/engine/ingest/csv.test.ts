// The CSV readings reader: decoding, quoting, line numbers, every rejection with its raw text,
// batching across batch and chunk boundaries, and header errors.
import { describe, expect, it } from "vitest";
import { createMeterIndex, readCsvReadings, REJECT, SOURCE, VERIFICATION } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
import { chunks, flatten, options, rowsOf } from "./helpers.js";

const read = (input: string | Uint8Array, extra: Record<string, unknown> = {}, chunkSize?: number) =>
  rowsOf(readCsvReadings(chunks(input, chunkSize), options(createMeterIndex(), extra)));

describe("readCsvReadings", () => {
  it("decodes readings into columns", async () => {
    const rows = await read(
      "meter_id,end,value,override,source,verification\n" +
        "E-000123,2026-11-30,48213.25,,,\n" +
        "E-000124,2026-11-30,12,5.5,manual,true\n" +
        "E-000123,2026-12-01T10:00:00Z,48220,,import,0\n",
    );
    expect(rows).toEqual([
      { line: 2, meter: "E-000123", end: "2026-11-30", value: 48213.25, override: NaN, source: SOURCE.auto, verification: VERIFICATION.unset, reject: null, raw: "E-000123,2026-11-30,48213.25,,," },
      { line: 3, meter: "E-000124", end: "2026-11-30", value: 12, override: 5.5, source: SOURCE.manual, verification: VERIFICATION.true, reject: null, raw: "E-000124,2026-11-30,12,5.5,manual,true" },
      { line: 4, meter: "E-000123", end: "2026-12-01", value: 48220, override: NaN, source: SOURCE.import, verification: VERIFICATION.false, reject: null, raw: "E-000123,2026-12-01T10:00:00Z,48220,,import,0" },
    ]);
  });

  it("interns each meter id once, in first-seen order", async () => {
    const meters = createMeterIndex();
    const batches: ReadingBatch[] = [];
    for await (const b of readCsvReadings(chunks("meter_id,end,value\nB,2026-01-01,1\nA,2026-01-01,2\nB,2026-01-02,3\n"), options(meters))) batches.push(b);
    expect(Array.from(batches[0].meter)).toEqual([0, 1, 0]);
    expect(meters.size).toBe(2);
    expect(meters.intern("A")).toBe(1);
  });

  it("numbers meters in first-seen row order with ids deferred and interned in groups: quoted ids, bad rows and chunk cuts between them", async () => {
    // Plain ids (quoted or not) are interned a few hundred at a time (ingest/pending-ids.ts); an id
    // with an escaped quote, or of a short row or a line cut at the record limit, on its own,
    // between them: the indices stay in row order.
    const lines = ["meter_id,end,value"];
    const order: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const id = `M-${(i * 37) % 900}`;
      if (i % 97 === 5) lines.push(`"Q""${i}",2026-11-01,${i}`), order.push(`Q"${i}`);
      else if (i % 101 === 6) lines.push(`"P,${i}",2026-11-01,${i}`), order.push(`P,${i}`);
      else if (i % 89 === 3) lines.push(`S-${i},2026-11-01`), order.push(`S-${i}`);
      else if (i % 83 === 2) lines.push(`L-${i},2026-11-01,${"9".repeat(200)}`), order.push(`L-${i}`);
      else lines.push(`${id},2026-11-0${1 + (i % 9)},${i}`), order.push(id);
    }
    const text = `${lines.join("\n")}\n`;
    for (const [chunkSize, batchSize] of [[Infinity, 5000], [97, 300], [1 << 12, 256]] as const) {
      const meters = createMeterIndex();
      const got: number[] = [];
      for await (const b of readCsvReadings(chunks(text, chunkSize), options(meters, { batchSize, maxRecordBytes: 120 }))) got.push(...b.meter);
      // Index k is the k-th distinct id in row order.
      const first = new Map<string, number>();
      const want = order.map((id) => first.get(id) ?? (first.set(id, first.size), first.size - 1));
      const ids = got.map((m) => (m < 0 ? "" : meters.idOf(m)));
      expect(got.length).toBe(order.length);
      expect(ids.filter((id, k) => id !== order[k])).toEqual([]);
      expect(got.filter((m, k) => m !== want[k]).length, `chunks ${chunkSize}, batches ${batchSize}`).toBe(0);
    }
  });

  it("handles a BOM, CRLF, columns in any order, extra columns and a last line without newline", async () => {
    const rows = await read("\uFEFFnote,value,meter_id,end\r\nx,1.5,M1,2026-11-30\r\n\r\ny,2,M2,2026-11-29");
    expect(rows.map((r) => [r.line, r.meter, r.end, r.value, r.raw])).toEqual([
      [2, "M1", "2026-11-30", 1.5, "x,1.5,M1,2026-11-30"],
      [4, "M2", "2026-11-29", 2, "y,2,M2,2026-11-29"],
    ]);
  });

  it("reads quoted fields with commas, newlines and escaped quotes, and counts physical lines", async () => {
    const input =
      'meter_id,end,value,note\n' +
      '"A,1",2026-11-30,"7","he said ""hi"""\n' +
      '"B",2026-11-30,8,"two\nlines"\n' +
      '"C ""x""","2026-11-30","9.25",""\r\n' +
      'D,2026-11-30,10,last\n';
    const rows = await read(input);
    expect(rows.map((r) => [r.line, r.meter, r.value, r.reject])).toEqual([
      [2, "A,1", 7, null],
      [3, "B", 8, null],
      [5, 'C "x"', 9.25, null],
      [6, "D", 10, null],
    ]);
    expect(rows[1].raw).toBe('"B",2026-11-30,8,"two\nlines"');
    expect(rows[2].raw).toBe('"C ""x""","2026-11-30","9.25",""');
  });

  it("skips empty lines without counting them as readings", async () => {
    const rows = await read("meter_id,end,value\n\nA,2026-11-30,1\n\n\r\nB,2026-11-30,2\n\n");
    expect(rows.map((r) => [r.line, r.meter])).toEqual([
      [3, "A"],
      [6, "B"],
    ]);
  });

  it("rejects each kind of bad row with its code and raw line, never dropping one", async () => {
    const long = "x".repeat(1025);
    const lines = [
      "A,2026-11-30", // column_count
      ",2026-11-30,1,,,", // missing_meter_id
      "A,2026-11-30,abc,,,", // bad_value
      "A,2026-11-30,,,,", // bad_value (empty)
      "A,2026-11-30,NaN,,,", // non_finite_value
      "A,2026-11-30,-inf,,,", // non_finite_value
      "A,2026-11-30,1e400,,,", // non_finite_value
      "A,2026-11-30,-3,,,", // negative_value
      "A,2026-02-30,1,,,", // bad_date
      "A,30.11.2026,1,,,", // bad_date
      "A,2027-01-01,1,,,", // future_date
      `A,2026-11-30,1,,,${long}`.slice(0, 0) + `${long},2026-11-30,1,,,`, // field_too_long (meter id)
      "A,2026-11-30,1,Infinity,,", // bad_override
      "A,2026-11-30,1,x,,", // bad_override
      "A,2026-11-30,1,,robot,", // bad_source
      " \t ,2026-11-30,1,,AUTO,", // missing_meter_id (blank); AUTO is auto: source is read in any case
      "A,2026-11-30,1,,,yes", // bad_verification
      "A,2026-11-30,1,-2,manual,FALSE", // valid: negative override allowed, FALSE accepted
    ];
    const input = `meter_id,end,value,override,source,verification\n${lines.join("\n")}\n`;
    const rows = await read(input);
    expect(rows).toHaveLength(lines.length);
    expect(rows.map((r) => r.reject)).toEqual([
      "column_count",
      "missing_meter_id",
      "bad_value",
      "bad_value",
      "non_finite_value",
      "non_finite_value",
      "non_finite_value",
      "negative_value",
      "bad_date",
      "bad_date",
      "future_date",
      "field_too_long",
      "bad_override",
      "bad_override",
      "bad_source",
      "missing_meter_id",
      "bad_verification",
      null,
    ]);
    rows.forEach((row, i) => {
      expect(row.raw).toBe(lines[i]);
      expect(row.line).toBe(i + 2);
    });
    expect(rows[11].meter).toBeNull(); // an overlong id is not interned
    expect(rows[17]).toMatchObject({ override: -2, source: SOURCE.manual, verification: VERIFICATION.false });
  });

  it("stores reason codes in the reject column and raw text in rejectedRaw", async () => {
    for await (const batch of readCsvReadings(chunks("meter_id,end,value\nA,2026-11-30,-1\nB,2026-11-30,2\n"), options(createMeterIndex()))) {
      expect(Array.from(batch.reject)).toEqual([REJECT.negative_value, 0]);
      expect([...batch.rejectedRaw]).toEqual([[0, "A,2026-11-30,-1"]]);
      expect(batch.rawOf(1)).toBe("B,2026-11-30,2");
      expect(() => batch.rawOf(2)).toThrow(RangeError);
    }
  });

  it("applies the first applicable reason in the documented order", async () => {
    const rows = await read(
      "meter_id,end,value,override,source,verification\n" +
        ",bad,-1,x,robot,maybe\n" + // missing_meter_id first
        "A,bad,-1,x,robot,maybe\n" + // negative_value before bad_date
        "A,bad,1,x,robot,maybe\n" + // bad_date
        "A,2026-11-30,1,x,robot,maybe\n" + // bad_override
        "A,2026-11-30,1,,robot,maybe\n" + // bad_source
        `A,2026-11-30,1,x,,,\n`, // column_count over everything
    );
    expect(rows.map((r) => r.reject)).toEqual(["missing_meter_id", "negative_value", "bad_date", "bad_override", "bad_source", "column_count"]);
  });

  it("parses numbers like Number() does", async () => {
    const values = ["0", "-0", "+7", "12.5", ".5", "5.", "1e3", "1.5E-3", "123456789012345", "1234567890123456789", "0.1", "3.14159265358979", " 42 ", "00012"];
    const input = `meter_id,end,value\n${values.map((v) => `A,2026-11-30,${v}`).join("\n")}\n`;
    const rows = await read(input);
    expect(rows.map((r) => r.value)).toEqual(values.map((v) => Number(v)));
    expect(rows.every((r) => r.reject === null)).toBe(true);
    const bad = await read("meter_id,end,value\nA,2026-11-30,0x10\nA,2026-11-30,1e\nA,2026-11-30,1.2.3\nA,2026-11-30,-\n");
    expect(bad.map((r) => r.reject)).toEqual(["bad_value", "bad_value", "bad_value", "bad_value"]);
  });

  it("takes the UTC day of date-times, offsets crossing midnight either way", async () => {
    const ends = [
      ["2026-11-30T23:30:00-01:00", "2026-12-01"],
      ["2026-12-01T00:30:00+01:00", "2026-11-30"],
      ["2026-12-01T00:30+01:00", "2026-11-30"],
      ["2026-11-30T12:00", "2026-11-30"],
      ["2026-11-30T23:59:59.999Z", "2026-11-30"],
      ["2026-11-30t08:15:30.5z", "2026-11-30"],
      ["2024-02-29T22:00:00-05:30", "2024-03-01"],
      ["2026-01-01T01:00:00+02:00", "2025-12-31"],
    ];
    const rows = await read(`meter_id,end,value\n${ends.map(([e]) => `A,${e},1`).join("\n")}\n`);
    expect(rows.map((r) => r.end)).toEqual(ends.map(([, day]) => day));
    const bad = ["2026-11-31", "2025-02-29", "2026-13-01", "2026-11-30T24:00", "2026-11-30T10:60", "2026-11-30T10:00+1:00", "2026-11-30T10:00:00+01:00x", "2026-11-30Z", "26-11-30"];
    const badRows = await read(`meter_id,end,value\n${bad.map((e) => `A,${e},1`).join("\n")}\n`);
    expect(badRows.map((r) => r.reject)).toEqual(bad.map(() => "bad_date"));
  });

  it("treats maxEndDay as the last accepted day", async () => {
    const rows = await read("meter_id,end,value\nA,2026-12-31,1\nA,2027-01-01T00:30+01:00,1\nA,2027-01-01,1\n");
    expect(rows.map((r) => r.reject)).toEqual([null, null, "future_date"]);
  });

  it("rejects a runaway quote as one malformed record and resynchronises on the next line", async () => {
    const filler = Array.from({ length: 50 }, (_, i) => `F${i},2026-11-30,${i}`).join("\n");
    const input = `meter_id,end,value\nA,2026-11-30,1\nB,"2026-11-30,2\n${filler}\nZ,2026-11-30,99\n`;
    const rows = await read(input, { maxRecordBytes: 256 });
    expect(rows[0]).toMatchObject({ line: 2, meter: "A", reject: null });
    expect(rows[1]).toMatchObject({ line: 3, meter: null, reject: "malformed_record", raw: 'B,"2026-11-30,2' });
    expect(rows.slice(2).map((r) => r.meter)).toEqual([...Array.from({ length: 50 }, (_, i) => `F${i}`), "Z"]);
    expect(rows.at(-1)).toMatchObject({ line: 54, value: 99, reject: null });
  });

  it("rejects an unterminated quote at end of input and still reads the lines after it", async () => {
    const rows = await read('meter_id,end,value\nA,"2026-11-30,1\nB,2026-11-30,2');
    expect(rows.map((r) => [r.line, r.meter, r.reject, r.raw])).toEqual([
      [2, null, "malformed_record", 'A,"2026-11-30,1'],
      [3, "B", null, "B,2026-11-30,2"],
    ]);
  });

  it("rejects text after a closing quote and an overlong line, keeping bounded raw text", async () => {
    const huge = "9".repeat(5000);
    const rows = await read(`meter_id,end,value\nA,"2026-11-30"x,1\nB,2026-11-30,${huge}\nC,2026-11-30,3\n`, { maxRecordBytes: 100 });
    expect(rows.map((r) => [r.line, r.reject])).toEqual([
      [2, "malformed_record"],
      [3, "malformed_record"],
      [4, null],
    ]);
    expect(rows[0].raw).toBe('A,"2026-11-30"x,1');
    expect(rows[1].raw).toBe(`B,2026-11-30,${huge}`.slice(0, 100));
  });

  it("gives identical rows for 1-byte chunks, odd chunks and one chunk", async () => {
    const input =
      "\uFEFFmeter_id,end,value,override,source,verification\r\n" +
      '"A,1",2026-11-30,1.25,,manual,true\r\n' +
      '\r\n' +
      '"B ""q""",2026-11-30T23:30:00-01:00,"2\n",,,\r\n' +
      'C,"2026-11-30,3\r\n' +
      "D,2026-11-30,4,x,,\r\n" +
      "Ä-Ω,2026-11-30,5,,,\r\n" +
      'E,2026-11-30,6,,,"0"';
    const whole = await read(input);
    expect(whole.map((r) => r.line)).toEqual([2, 4, 6, 7, 8, 9]);
    expect(whole.map((r) => r.meter)).toEqual(["A,1", 'B "q"', null, "D", "Ä-Ω", "E"]);
    for (const size of [1, 2, 3, 7, 64]) expect(await read(input, {}, size)).toEqual(whole);
  });

  it("splits rows into fresh batches that stay valid after later batches are decoded", async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `M${i % 3},2026-11-${String(i + 1).padStart(2, "0")},${i}`);
    lines[4] = "M1,2026-11-05,-4";
    const batches: ReadingBatch[] = [];
    for await (const b of readCsvReadings(chunks(`meter_id,end,value\n${lines.join("\n")}\n`, 5), options(createMeterIndex(), { batchSize: 3 }))) {
      batches.push(b);
    }
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(new Set(batches.map((b) => b.value.buffer)).size).toBe(4);
    const rows = batches.flatMap(flatten);
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    expect(rows.map((r) => r.raw)).toEqual(lines);
    expect(rows.map((r) => r.value)).toEqual([0, 1, 2, 3, -4, 5, 6, 7, 8, 9]);
    expect(rows[4].reject).toBe("negative_value");
    expect(batches[1].rejectedRaw.get(1)).toBe("M1,2026-11-05,-4");
  });

  it("rejects a header without a required column, naming it", async () => {
    await expect(read("meter_id,value,note\nA,1,x\n")).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER", message: expect.stringContaining('"end"') });
    await expect(read("Meter_ID,end,value\n")).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER", message: expect.stringContaining('"meter_id"') });
    await expect(read("meter_id,end,value,value\n")).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER" });
    // An empty file is a night without readings: no batches, no error.
    await expect(read("")).resolves.toEqual([]);
    expect(await read("meter_id,end,value")).toEqual([]);
  });

  it("validates its options", async () => {
    await expect(read("meter_id,end,value\n", { batchSize: 0 })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION", message: expect.stringContaining("batchSize") });
    await expect(rowsOf(readCsvReadings(chunks(""), {} as never))).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
  });
});
