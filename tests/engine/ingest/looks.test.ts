// A file whose start shows another format than the one it is read as (ingest/looks.ts) is refused
// with MF_ERR_INPUT_HEADER before anything is read (audit: NDJSON named .msgpack gave one
// malformed_record per byte, CSV named .ndjson its header counted as a reading, both exit 0); a
// legitimate file, however bad its records, is read and its bad records rejected one by one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Packr, pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { checkPulseEventsHeader, readPulseEvents } from "../../../engine/ingest/events.js";
import { checkFileLooks, createMeterIndex, formatOfPath, lookOfHead, readReadings } from "../../../engine/ingest/index.js";
import type { FileFormat } from "../../../engine/ingest/index.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-looks-");
let n = 0;
const file = (content: string | Uint8Array, ext: string): string => {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, content);
  return path;
};
const ndjson = '{"meter_id":"E-1","end":"2026-11-01","value":100}\n{"meter_id":"E-2","end":"2026-11-01","value":200}\n';
const csv = "meter_id,end,value\nE-1,2026-11-01,100\n";

/** All readings of a file: rows read, rejected rows' reasons; or the error's code and message. */
async function readAll(path: string, format?: FileFormat): Promise<{ rows: number; rejected: number } | { code: string; message: string }> {
  try {
    let rows = 0;
    let rejected = 0;
    for await (const b of readReadings(path, { meters: createMeterIndex(), maxEndDay: 1e6, ...(format === undefined ? {} : { format }) })) {
      rows += b.length;
      for (let r = 0; r < b.length; r++) if (b.reject[r] !== 0) rejected++;
    }
    return { rows, rejected };
  } catch (error) {
    const e = error as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
}

describe("lookOfHead", () => {
  it("tells an object, an array, a text line and bytes that are no text, past a BOM and blank lines", () => {
    expect(lookOfHead(Buffer.from(`\uFEFF\n  ${ndjson}`))).toEqual({ kind: "object" });
    expect(lookOfHead(Buffer.from('[{"meter_id":"E-1"}]\n'))).toEqual({ kind: "array", line: '[{"meter_id":"E-1"}]' });
    expect(lookOfHead(Buffer.from("meter_id,end,value\r\nE-1,x,1\r\n"))).toEqual({ kind: "text", line: "meter_id,end,value" });
    expect(lookOfHead(Buffer.from("Zähler;Ende\n"))).toEqual({ kind: "text", line: "Zähler;Ende" });
    expect(lookOfHead(Buffer.from(""))).toEqual({ kind: "empty" });
    expect(lookOfHead(Buffer.from(" \n\r\n"))).toEqual({ kind: "empty" });
    expect(lookOfHead(pack({ meter_id: "E-1", end: "2026-11-01", value: 1 }))).toEqual({ kind: "binary" });
    // jq's output: an object over several lines; a record that begins on its first line is an object.
    expect(lookOfHead(Buffer.from('{\n  "meter_id": "E-1",\n  "value": 1\n}\n'))).toEqual({ kind: "pretty" });
    expect(lookOfHead(Buffer.from('\uFEFF{ \r\n  "meter_id": "E-1"\r\n}\r\n'))).toEqual({ kind: "pretty" });
    expect(lookOfHead(Buffer.from('{"meter_id":\n'))).toEqual({ kind: "object" });
  });
});

describe("a readings file in another format than its name's", () => {
  it("is refused with MF_ERR_INPUT_HEADER saying what it looks like and what to name it", async () => {
    const cases: Array<[string | Uint8Array, string, FileFormat | undefined, RegExp]> = [
      [ndjson, "msgpack", undefined, /read as msgpack, but it looks like NDJSON .*name the file \.ndjson or \.jsonl/],
      [csv, "msgpack", undefined, /read as msgpack, but it looks like CSV \(its first line is "meter_id,end,value"\).*name the file \.csv/],
      [csv, "mpk", undefined, /looks like CSV/],
      ['[{"meter_id":"E-1"}]', "msgpack", undefined, /begins with a JSON array .*write each object on a line of its own \(jq -c does\), in a file named \.ndjson or \.jsonl$/],
      [csv, "ndjson", undefined, /read as NDJSON, but it looks like CSV \(its first line is "meter_id,end,value", not a JSON object\): name the file \.csv/],
      [csv, "csv", "ndjson", /read as NDJSON, but it looks like CSV/],
      [`\uFEFF\n${csv}`, "jsonl", undefined, /looks like CSV/],
      ['[\n  {"meter_id":"E-1","end":"2026-11-01","value":1}\n]\n', "ndjson", undefined, /begins with a JSON array .*a JSON array is not NDJSON: meterflow reads NDJSON, one JSON object per line/],
      ['{\n  "meter_id": "E-1",\n  "end": "2026-11-01",\n  "value": 1\n}\n', "ndjson", undefined,
        /its first line is "\{" alone: a JSON object written over several lines \(pretty-printed\).*write each object on a line of its own \(jq -c does\)/],
      ["not json\n", "ndjson", undefined, /its first line is not a JSON object \("not json"\); NDJSON is one JSON object per line$/],
      [pack({ meter_id: "E-1", end: "2026-11-01", value: 1 }), "ndjson", undefined, /looks like binary data, msgpack perhaps.*name the file \.msgpack or \.mpk/],
    ];
    for (const [content, ext, format, message] of cases) {
      const path = file(content, ext);
      expect(await readAll(path, format), `${ext} ${format}`).toEqual({ code: "MF_ERR_INPUT_HEADER", message: expect.stringMatching(message) });
      // The check `meterflow run` makes first says the same, and names the option that gives a format.
      expect(() => checkFileLooks(path, format ?? formatOfPath(path)!, "readings file", "--input-format"))
        .toThrow(expect.objectContaining({ code: "MF_ERR_INPUT_HEADER", message: expect.stringMatching(/^readings file is read as (msgpack|NDJSON), but .*(--input-format (csv|ndjson|msgpack)|\.ndjson or \.jsonl|one JSON object per line)$/) }));
    }
  });

  it("is read when its start is its format's, whatever its records hold", async () => {
    const records = new Packr({ useRecords: true });
    const cases: Array<[string | Uint8Array, string, { rows: number; rejected: number }]> = [
      // msgpack: a fixmap (0x80-0x8f), map16 (0xde), fixarray (0x90-0x9f), array16 (0xdc), a msgpackr record definition.
      [pack({ meter_id: "E-1", end: "2026-11-01", value: 1 }), "msgpack", { rows: 1, rejected: 0 }],
      [pack(Object.fromEntries([["meter_id", "E-1"], ["end", "2026-11-01"], ["value", 1], ...Array.from({ length: 14 }, (_, i) => [`x${i}`, i])])), "msgpack", { rows: 1, rejected: 0 }],
      [pack([1, 2]), "msgpack", { rows: 1, rejected: 1 }],
      [pack(Array.from({ length: 20 }, (_, i) => i)), "msgpack", { rows: 1, rejected: 1 }],
      [Buffer.concat([records.pack({ meter_id: "E-1", end: "2026-11-01", value: 1 }), records.pack({ meter_id: "E-2", end: "2026-11-01", value: 2 })]), "mpk", { rows: 2, rejected: 0 }],
      // NDJSON: a first record with a bad value, or broken after its "{", is a rejected row.
      ['{"meter_id":"E-1","end":"2026-11-01","value":"x"}\n{"meter_id":"E-2","end":"2026-11-01","value":2}\n', "ndjson", { rows: 2, rejected: 1 }],
      ['{"meter_id":"E-1",\n{"meter_id":"E-2","end":"2026-11-01","value":2}\n', "ndjson", { rows: 2, rejected: 1 }],
      [`\uFEFF\n\n${ndjson}`, "jsonl", { rows: 2, rejected: 0 }],
      ["", "ndjson", { rows: 0, rejected: 0 }],
      ["", "msgpack", { rows: 0, rejected: 0 }],
    ];
    for (const [content, ext, expected] of cases) expect(await readAll(file(content, ext)), ext).toEqual(expected);
  });
});

describe("a pulse-events file in another format than its name's", () => {
  it("is refused by the header check and by the reader, with MF_ERR_INPUT_HEADER", async () => {
    const events = file("meter_id,time,on_ms\nL-1,2026-11-30T06:15:02.250Z,48\n", "ndjson");
    const refused = { code: "MF_ERR_INPUT_HEADER", message: expect.stringMatching(/^pulse events file is read as NDJSON, but it looks like CSV .*name the file \.csv$/) };
    expect(() => checkPulseEventsHeader(events)).toThrow(expect.objectContaining(refused));
    await expect(readPulseEvents(events, { meters: createMeterIndex() })).rejects.toMatchObject(refused);
    const msgpack = file('{"meter_id":"L-1","time":"2026-11-30T06:15:02.250Z","on_ms":48}\n', "msgpack");
    expect(() => checkPulseEventsHeader(msgpack)).toThrow(expect.objectContaining({ code: "MF_ERR_INPUT_HEADER" }));
    const good = file('{"meter_id":"L-1","time":"2026-11-30T06:15:02.250Z","on_ms":48}\n', "ndjson");
    expect(() => checkPulseEventsHeader(good)).not.toThrow();
    expect((await readPulseEvents(good, { meters: createMeterIndex() })).length).toBe(1);
  });

  it("named .csv, NDJSON, a JSON array or msgpack says what it looks like (audit: only \"lacks required column\")", () => {
    const record = { meter_id: "L-1", time: "2026-11-30T06:15:02.250Z", on_ms: 48 };
    const cases: Array<[string | Uint8Array, RegExp]> = [
      [`${JSON.stringify(record)}\n`, /lacks required column "meter_id" \(the file looks like NDJSON, one JSON object per line: name it \.ndjson or \.jsonl\)$/],
      [`[${JSON.stringify(record)}]\n`, /\(the file looks like a JSON array: .*\)$/],
      [pack(record), /\(the file looks like binary data, msgpack perhaps: name it \.msgpack or \.mpk\)$/],
    ];
    for (const [content, message] of cases) {
      expect(() => checkPulseEventsHeader(file(content, "csv"))).toThrow(expect.objectContaining({ code: "MF_ERR_INPUT_HEADER", message: expect.stringMatching(message) }));
    }
  });
});
