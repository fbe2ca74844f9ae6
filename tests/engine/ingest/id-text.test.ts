// A meter id must be text (engine/ingest/id-text.ts): bytes that are not UTF-8 are `bad_meter_id`
// in CSV, NDJSON and msgpack readings, where they were read leniently as U+FFFD and two different
// meters' readings became one meter's (the second a duplicate: the input audit). Valid non-ASCII
// ids (Zähler, 電表) are ids like any other.
import { describe, expect, it } from "vitest";
import { createMeterIndex, readReadings, REJECT } from "../../../engine/ingest/index.js";
import { idBytesOk, idTextOk } from "../../../engine/ingest/id-text.js";
import { tempDir, writeFile } from "./helpers.js";

const dir = tempDir();
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

async function decoded(path: string): Promise<Array<[string | null, number]>> {
  const out: Array<[string | null, number]> = [];
  for await (const b of readReadings(path, { meters: createMeterIndex(), batchSize: 100 })) {
    for (let row = 0; row < b.length; row++) out.push([b.meter[row] >= 0 ? b.meters.idOf(b.meter[row]) : null, b.reject[row]]);
  }
  return out;
}

/** A msgpack map { meter_id, end, value: 1 } with the id's bytes as given. */
function packed(id: Buffer): Buffer {
  const str = (b: Buffer) => Buffer.concat([Buffer.of(0xa0 + b.length), b]);
  return Buffer.concat([Buffer.of(0x83), str(Buffer.from("meter_id")), str(id), str(Buffer.from("end")), str(Buffer.from("2026-11-01")), str(Buffer.from("value")), Buffer.of(0x01)]);
}

describe("meter ids that are not text", () => {
  it("idBytesOk takes ASCII and UTF-8, not stray bytes, overlong forms, surrogates or U+FFFD", () => {
    const ok = (...b: number[]) => idBytesOk(Uint8Array.from(b), 0, b.length);
    expect(ok(0x45, 0x2d, 0x31)).toBe(true);
    expect(ok(...Buffer.from("Zähler-電表"))).toBe(true);
    expect(ok(0xff)).toBe(false);
    expect(ok(0xc3)).toBe(false); // cut short
    expect(ok(0xc0, 0xaf)).toBe(false); // overlong "/"
    expect(ok(0xed, 0xa0, 0x80)).toBe(false); // a surrogate
    expect(ok(0xef, 0xbf, 0xbd)).toBe(false); // U+FFFD itself
    expect(idTextOk("Zähler")).toBe(true);
    expect(idTextOk("Z\uFFFDhler")).toBe(false);
  });

  const ids = [[0xff], [0xfe], [...Buffer.from("Zähler")], [0x4d, 0x31]];
  const want: Array<[string | null, number]> = [[null, REJECT.bad_meter_id], [null, REJECT.bad_meter_id], ["Zähler", 0], ["M1", 0]];
  const files = {
    csv: writeFile(dir, "ids.csv", bytes("meter_id,end,value\n", ...ids.flatMap((id) => [id, ",2026-11-01,1\n"]))),
    quoted: writeFile(dir, "ids-quoted.csv", bytes("meter_id,end,value\n", ...ids.flatMap((id) => ['"', id, '",2026-11-01,1\n']))),
    ndjson: writeFile(dir, "ids.ndjson", bytes(...ids.flatMap((id) => ['{"meter_id":"', id, '","end":"2026-11-01","value":1}\n']))),
    msgpack: writeFile(dir, "ids.msgpack", Buffer.concat(ids.map((id) => packed(Buffer.from(id))))),
  };

  it.each(Object.keys(files))("are bad_meter_id in %s readings; valid UTF-8 ids are read as they are", async (format) => {
    expect(await decoded(files[format as keyof typeof files])).toEqual(want);
  });

  it("are bad_meter_id as NDJSON escapes of lone surrogates, which all became one meter's id (input audit)", async () => {
    expect(idTextOk("A\ud800")).toBe(false);
    expect(idTextOk("A\udc00")).toBe(false);
    expect(idTextOk("A\ud83d\ude00")).toBe(true); // a pair: one code point
    const file = writeFile(dir, "surrogates.ndjson", bytes(...["A\\ud800", "A\\udbff", "A\\udc00", "A\\ud83d\\ude00"].map((id) => `{"meter_id":"${id}","end":"2026-11-01","value":1}\n`)));
    expect(await decoded(file)).toEqual([[null, REJECT.bad_meter_id], [null, REJECT.bad_meter_id], [null, REJECT.bad_meter_id], ["A\ud83d\ude00", 0]]);
  });

  it("are bad_meter_id when given as a list, a map or bytes, and missing_meter_id when absent, null or empty (input audit)", async () => {
    const records = [{ meter_id: ["M1"] }, { meter_id: { id: "M1" } }, { meter_id: true }, { meter_id: null }, { meter_id: "" }, {}, { meter_id: 7 }];
    const file = writeFile(dir, "id-kinds.ndjson", bytes(...records.map((r) => `${JSON.stringify({ ...r, end: "2026-11-01", value: 1 })}\n`)));
    expect(await decoded(file)).toEqual([[null, REJECT.bad_meter_id], [null, REJECT.bad_meter_id], [null, REJECT.bad_meter_id],
      [null, REJECT.missing_meter_id], [null, REJECT.missing_meter_id], [null, REJECT.missing_meter_id], ["7", 0]]);
    // msgpack bytes (bin 8) where the id belongs.
    const bin = Buffer.concat([Buffer.of(0x83, 0xa8), Buffer.from("meter_id"), Buffer.of(0xc4, 2, 0x4d, 0x31), Buffer.of(0xa3), Buffer.from("end"),
      Buffer.of(0xaa), Buffer.from("2026-11-01"), Buffer.of(0xa5), Buffer.from("value"), Buffer.of(0x01)]);
    expect(await decoded(writeFile(dir, "id-bin.msgpack", bin))).toEqual([[null, REJECT.bad_meter_id]]);
  });
});
