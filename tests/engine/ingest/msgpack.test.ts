// The msgpack readings reader: single reading maps, columnar batches (arrays and typed arrays),
// unequal columns, values split across chunks, and undecodable input ending the file.
import { Packr, pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { createMeterIndex, SOURCE, VERIFICATION } from "../../../engine/ingest/index.js";
import { readMsgpackReadings } from "../../../engine/ingest/msgpack.js";
import { chunks, options, rowsOf } from "./helpers.js";

const read = (input: Uint8Array, extra: Record<string, unknown> = {}, chunkSize?: number) =>
  rowsOf(readMsgpackReadings(chunks(input, chunkSize), options(createMeterIndex(), extra)));

const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

describe("readMsgpackReadings", () => {
  it("decodes reading maps, numbering records from 1", async () => {
    const input = concat(
      pack({ meter_id: "E-1", end: "2026-11-30", value: 48213.25 }),
      pack({ meter_id: "E-2", end: "2026-12-01T00:30:00+01:00", value: "12.5", override: 4, source: "manual", verification: "true" }),
      pack({ meter_id: "E-1", end: "2026-12-01", value: -1 }),
    );
    const rows = await read(input);
    expect(rows).toEqual([
      { line: 1, meter: "E-1", end: "2026-11-30", value: 48213.25, override: NaN, source: SOURCE.auto, verification: VERIFICATION.unset, reject: null, raw: '{"meter_id":"E-1","end":"2026-11-30","value":48213.25}' },
      { line: 2, meter: "E-2", end: "2026-11-30", value: 12.5, override: 4, source: SOURCE.manual, verification: VERIFICATION.true, reject: null, raw: '{"meter_id":"E-2","end":"2026-12-01T00:30:00+01:00","value":"12.5","override":4,"source":"manual","verification":"true"}' },
      { line: 3, meter: "E-1", end: "2026-12-01", value: -1, override: NaN, source: SOURCE.auto, verification: VERIFICATION.unset, reject: "negative_value", raw: '{"meter_id":"E-1","end":"2026-12-01","value":-1}' },
    ]);
  });

  it("takes an extension value of a type it does not know as a bad value (an extra column: ignored), and goes on (the input audit: it ended the file)", async () => {
    const hex = (h: string) => Buffer.from(h, "hex");
    const input = concat(
      pack({ meter_id: "M1", end: "2026-11-01", value: 1 }),
      // { meter_id: "M2", end: "2026-11-01", value: fixext 2 of type 5 }
      hex("83a86d657465725f6964a24d32a3656e64aa323032362d31312d3031a576616c7565d60561626364"),
      // { meter_id: "M3", end: "2026-11-01", value: 3, vendor: ext 8 of type 0x80 (-128) }
      hex("84a86d657465725f6964a24d33a3656e64aa323032362d31312d3031a576616c756503a676656e646f72c70280abcd"),
      pack({ meter_id: "M4", end: "2026-11-01", value: 4 }),
    );
    const rows = await read(input);
    expect(rows.map((r) => [r.line, r.meter, r.value, r.reject])).toEqual([[1, "M1", 1, null], [2, "M2", NaN, "bad_value"], [3, "M3", 3, null], [4, "M4", 4, null]]);
    expect(rows[1].raw).toBe('{"meter_id":"M2","end":"2026-11-01","value":{"msgpack_ext":5}}');
  });

  it("takes the extension types msgpackr gives a meaning of its own as unknown ones: a bad value, the next reading kept (input audit: 0x65 made it vanish)", async () => {
    const text = (t: string) => Buffer.concat([Buffer.from([0xa0 | t.length]), Buffer.from(t)]);
    const reading = (end: string, value: Uint8Array) => Buffer.concat([Buffer.from([0x83]), text("meter_id"), text("M1"), text("end"), text(end), text("value"), value]);
    // 0x74 with a typed-array code msgpackr does not have (5 bytes for a Uint16Array too).
    for (const ext of [[0xd4, 0x00, 5], [0xd4, 0x42, 0x6e], [0xd4, 0x62, 5], [0xd4, 0x65, 5], [0xd4, 0x69, 5], [0xd4, 0x70, 5], [0xd4, 0x73, 5],
      [0xd4, 0x78, 5], [0xd4, 0x74, 99], [0xd6, 0x74, 4, 1, 2, 3]]) {
      const input = concat(reading("2026-11-01", Uint8Array.of(0x64)), reading("2026-11-02", Uint8Array.from(ext)),
        reading("2026-11-03", Uint8Array.of(0x78)), reading("2026-11-04", Uint8Array.of(0x7f)));
      const rows = await read(input);
      const label = ext.map((x) => x.toString(16)).join(" ");
      expect(rows.map((r) => [r.line, r.end, r.value, r.reject]), label).toEqual([
        [1, "2026-11-01", 100, null], [2, "2026-11-02", NaN, "bad_value"], [3, "2026-11-03", 120, null], [4, "2026-11-04", 127, null]]);
      expect(rows[1].raw, label).toBe(`{"meter_id":"M1","end":"2026-11-02","value":{"msgpack_ext":${ext[1]}}}`);
    }
  });

  it("rejects a columnar batch of no rows as one malformed_record, never losing the record (input audit)", async () => {
    const rows = await read(concat(pack({ meter_id: "M1", end: "2026-11-01", value: [] }), pack({ meter_id: "M1", end: "2026-11-02", value: 5 })));
    expect(rows.map((r) => [r.line, r.reject, r.raw])).toEqual([[1, "malformed_record", '{"meter_id":"M1","end":"2026-11-01","value":[]}'], [2, null, '{"meter_id":"M1","end":"2026-11-02","value":5}']]);
  });

  it("rejects a timestamp before year 0 or after 9999 as bad_date (the input audit: it wrote M1@00-2-12-31)", async () => {
    const input = concat(
      pack({ meter_id: "M1", end: new Date(Date.UTC(-2, 11, 31)), value: 1 }),
      pack({ meter_id: "M2", end: new Date(Date.UTC(10000, 0, 1)), value: 1 }),
      pack({ meter_id: "M3", end: new Date(Date.parse("0000-01-01T00:00:00Z")), value: 1 }),
    );
    expect((await read(input)).map((r) => [r.meter, r.end, r.reject])).toEqual([["M1", null, "bad_date"], ["M2", null, "bad_date"], ["M3", "0000-01-01", null]]);
  });

  it("decodes columnar batches of arrays and typed arrays; a scalar field applies to every row", async () => {
    const packr = new Packr({ moreTypes: true });
    const input = concat(
      packr.pack({ meter_id: ["A", "B", "C"], end: ["2026-11-28", "2026-11-29", "2026-11-30"], value: new Float64Array([1.5, 2, -3]), source: "import" }),
      pack({ meter_id: "D", end: "2026-11-30", value: 4 }),
      packr.pack({ meter_id: ["E"], end: ["2026-11-30"], value: [5], verification: [false] }),
    );
    const rows = await read(input);
    expect(rows.map((r) => [r.line, r.meter, r.end, r.value, r.source, r.verification, r.reject])).toEqual([
      [1, "A", "2026-11-28", 1.5, SOURCE.import, 0, null],
      [2, "B", "2026-11-29", 2, SOURCE.import, 0, null],
      [3, "C", "2026-11-30", -3, SOURCE.import, 0, "negative_value"],
      [4, "D", "2026-11-30", 4, SOURCE.auto, 0, null],
      [5, "E", "2026-11-30", 5, SOURCE.auto, VERIFICATION.false, null],
    ]);
    expect(rows[1].raw).toBe('{"meter_id":"B","end":"2026-11-29","value":2,"source":"import"}');
    expect(rows[2].raw).toBe('{"meter_id":"C","end":"2026-11-30","value":-3,"source":"import"}');
  });

  it("rejects the rows of a columnar batch beyond its shortest column as column_count", async () => {
    const input = pack({ meter_id: ["A", "B", "C", "D"], end: ["2026-11-30", "2026-11-30"], value: [1, 2, 3] });
    const rows = await read(input);
    expect(rows.map((r) => [r.line, r.meter, r.reject])).toEqual([
      [1, "A", null],
      [2, "B", null],
      [3, null, "column_count"],
      [4, null, "column_count"],
    ]);
    expect(rows[2].raw).toBe('{"meter_id":"C","value":3}');
    expect(rows[3].raw).toBe('{"meter_id":"D"}');
  });

  it("splits a columnar batch larger than batchSize across batches", async () => {
    const n = 10;
    const input = pack({ meter_id: Array.from({ length: n }, (_, i) => `M${i}`), end: Array(n).fill("2026-11-30"), value: Array.from({ length: n }, (_, i) => i) });
    let batches = 0;
    const rows = await rowsOf(
      (async function* () {
        for await (const b of readMsgpackReadings(chunks(input), options(createMeterIndex(), { batchSize: 4 }))) {
          batches++;
          yield b;
        }
      })(),
    );
    expect(batches).toBe(3);
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it("gives identical rows for 1-byte chunks and one chunk, with msgpackr records across values", async () => {
    const packr = new Packr({ moreTypes: true }); // record structures defined in one value, reused in later ones
    const parts = [];
    for (let i = 0; i < 30; i++) parts.push(packr.pack({ meter_id: `Zä-${i % 7}`, end: `2026-11-${String(1 + (i % 30)).padStart(2, "0")}`, value: i * 1.5 }));
    parts.push(packr.pack({ meter_id: ["X", "Y"], end: ["2026-11-30", "2026-11-30"], value: new Float64Array([7, 8]) }));
    const input = concat(...parts);
    const whole = await read(input, { batchSize: 8 });
    expect(whole).toHaveLength(32);
    expect(whole.every((r) => r.reject === null)).toBe(true);
    expect(whole[29]).toMatchObject({ meter: "Zä-1", value: 43.5, line: 30 });
    expect(whole.slice(30).map((r) => [r.meter, r.value])).toEqual([
      ["X", 7],
      ["Y", 8],
    ]);
    expect(await read(input, { batchSize: 8 }, 1)).toEqual(whole);
    expect(await read(input, { batchSize: 3 }, 5)).toEqual(whole);
  });

  it("yields batches while the stream is still being read", async () => {
    const value = pack({ meter_id: "A", end: "2026-11-30", value: 1 });
    let finished = false;
    const source = (async function* () {
      for (let i = 0; i < 200; i++) for (const byte of value) yield Uint8Array.of(byte);
      finished = true;
    })();
    const early: boolean[] = [];
    for await (const batch of readMsgpackReadings(source, options(createMeterIndex(), { batchSize: 50 }))) early.push(!finished && batch.length === 50);
    // The last value may complete only at the end (retries wait for the held bytes to double).
    expect(early.slice(0, 3)).toEqual([true, true, true]);
    expect(early).toHaveLength(4);
  });

  it("turns undecodable bytes into one malformed_record row saying the rest is not read, and stops the file", async () => {
    const good = pack({ meter_id: "A", end: "2026-11-30", value: 1 });
    const after = pack({ meter_id: "B", end: "2026-11-30", value: 2 });
    for (const size of [Number.POSITIVE_INFINITY, 1]) {
      // A record definition (msgpackr's extension 0x72) whose field list is not a list: msgpackr
      // cannot read it, and nothing after it can be told apart. (An extension of a type msgpackr
      // does not know is a value of its own now: see above.)
      const bad = Uint8Array.of(0xd4, 0x72, 0x40, 0xa1, 0x78, 0x01);
      const rows = await read(concat(good, bad, after), {}, size);
      expect(rows.map((r) => [r.line, r.meter, r.reject])).toEqual([
        [1, "A", null],
        [2, null, "malformed_record"],
      ]);
      expect(rows[1].raw).toContain(`undecodable msgpack at byte ${good.length}`);
      expect(rows[1].raw).toContain("the rest of the file from there is not read");
    }
  });

  it("takes 0xC1, a byte msgpack never uses, where a value begins as undecodable: one row giving its offset, and the file ends (audit: two rows without an offset, and the next map billed)", async () => {
    const good = pack({ meter_id: "A", end: "2026-11-30", value: 1 });
    const after = pack({ meter_id: "B", end: "2026-11-30", value: 2 });
    for (const size of [Number.POSITIVE_INFINITY, 1, 7]) {
      const rows = await read(concat(good, Uint8Array.of(0xc1, 0xc1), after), {}, size);
      expect(rows.map((r) => [r.line, r.meter, r.reject]), `chunks of ${size}`).toEqual([
        [1, "A", null],
        [2, null, "malformed_record"],
      ]);
      // The bytes shown are those from there that have arrived (up to 64).
      expect(rows[1].raw).toMatch(new RegExp(`^undecodable msgpack at byte ${good.length} \\(0xC1, a byte msgpack never uses\\): 0xc1c1[0-9a-f]*; `
        + "the rest of the file from there is not read \\(msgpack cannot find the next value\\)$"));
    }
    // As the file's first byte too.
    const first = await read(concat(Uint8Array.of(0xc1), good));
    expect(first.map((r) => [r.line, r.reject])).toEqual([[1, "malformed_record"]]);
    expect(first[0].raw).toContain("undecodable msgpack at byte 0 (0xC1");
  });

  it("rejects a truncated last value, and a value that is not a map without ending the file", async () => {
    const good = pack({ meter_id: "A", end: "2026-11-30", value: 1 });
    const truncated = pack({ meter_id: "B", end: "2026-11-30", value: 2 }).subarray(0, 10);
    const rows = await read(concat(good, truncated), {}, 3);
    expect(rows.map((r) => [r.line, r.reject])).toEqual([
      [1, null],
      [2, "malformed_record"],
    ]);
    expect(rows[1].raw).toContain("truncated");
    expect(rows[1].raw).toContain(Buffer.from(truncated).toString("hex"));
    const later = pack({ meter_id: "C", end: "2026-12-01", value: 3 });
    for (const size of [Number.POSITIVE_INFINITY, 2]) {
      const list = await read(concat(good, pack([1, 2, 3]), pack("text"), pack(null), pack(7), later), {}, size);
      expect(list.map((r) => [r.line, r.meter, r.reject, r.raw])).toEqual([
        [1, "A", null, '{"meter_id":"A","end":"2026-11-30","value":1}'],
        [2, null, "malformed_record", "[1,2,3]"],
        [3, null, "malformed_record", '"text"'],
        [4, null, "malformed_record", "null"],
        [5, null, "malformed_record", "7"],
        [6, "C", null, '{"meter_id":"C","end":"2026-12-01","value":3}'],
      ]);
    }
  });

  it("takes bytes (msgpack bin) for no column: bytes where a number or text belongs are that field's bad value", async () => {
    const rows = await read(concat(
      pack({ meter_id: "A", end: "2026-11-30", value: Buffer.from("12") }),
      pack({ meter_id: Buffer.from("B"), end: "2026-11-30", value: 5 }),
      pack({ meter_id: ["C", "D"], end: "2026-11-30", value: Buffer.from("12") }),
    ));
    expect(rows.map((r) => [r.line, r.meter, r.reject])).toEqual([
      [1, "A", "bad_value"],
      // Bytes where the id belongs: a bad id, not a missing one (input audit).
      [2, null, "bad_meter_id"],
      [3, "C", "bad_value"],
      [4, "D", "bad_value"],
    ]);
  });

  it("rejects a value longer than maxMsgpackValueBytes without waiting for the end", async () => {
    // A map32 header announcing 2^32-1 entries: the decoder would wait for ever.
    const endless = (async function* () {
      yield Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff);
      for (let i = 0; i < 100; i++) yield new Uint8Array(1024).fill(0xa1);
      throw new Error("read past the limit");
    })();
    const rows = await rowsOf(readMsgpackReadings(endless, options(createMeterIndex(), { maxMsgpackValueBytes: 10_000 })));
    expect(rows.map((r) => r.reject)).toEqual(["malformed_record"]);
    expect(rows[0].raw).toContain("longer than 10000 bytes");
  });
});
