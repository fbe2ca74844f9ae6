// The generic CSV tokenizer: records and fields as offsets, quoting, line numbers, resync after
// a runaway quote, and a randomized round trip through arbitrary chunk boundaries.
import { describe, expect, it } from "vitest";
import { CsvTokenizer } from "../../../engine/ingest/index.js";
import { bytesOf } from "./helpers.js";

interface Rec {
  line: number;
  fields: string[] | null;
  raw: string;
}

function tokenize(input: string | Uint8Array, chunkSizes: number[] = [Number.POSITIVE_INFINITY], maxRecordBytes?: number): Rec[] {
  const tok = new CsvTokenizer({ maxRecordBytes });
  const bytes = bytesOf(input);
  const out: Rec[] = [];
  const drain = () => {
    while (tok.next()) {
      const fields = tok.malformed ? null : Array.from({ length: tok.count }, (_, i) => tok.fieldString(i));
      out.push({ line: tok.line, fields, raw: tok.rawString() });
    }
  };
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, Math.min(chunkSizes[k % chunkSizes.length], bytes.length - at));
    tok.push(bytes.slice(at, at + size));
    at += size;
    drain();
  }
  tok.finish();
  drain();
  return out;
}

describe("CsvTokenizer", () => {
  it("yields records with fields, physical line numbers and raw text", () => {
    expect(tokenize('a,b,c\n"x,1","y\n2","z""3"\r\n\n,,\nlast')).toEqual([
      { line: 1, fields: ["a", "b", "c"], raw: "a,b,c" },
      { line: 2, fields: ["x,1", "y\n2", 'z"3'], raw: '"x,1","y\n2","z""3"' },
      { line: 5, fields: ["", "", ""], raw: ",," },
      { line: 6, fields: ["last"], raw: "last" },
    ]);
  });

  it("keeps quotes inside unquoted fields and a trailing empty field", () => {
    expect(tokenize('a"b,c,\n"",x\n')).toEqual([
      { line: 1, fields: ['a"b', "c", ""], raw: 'a"b,c,' },
      { line: 2, fields: ["", "x"], raw: '"",x' },
    ]);
  });

  it("reports a runaway quote once and resumes on the following line", () => {
    const input = 'h\n"open\nb\nc\nd\n';
    expect(tokenize(input, [Number.POSITIVE_INFINITY], 6)).toEqual([
      { line: 1, fields: ["h"], raw: "h" },
      { line: 2, fields: null, raw: '"open' },
      { line: 3, fields: ["b"], raw: "b" },
      { line: 4, fields: ["c"], raw: "c" },
      { line: 5, fields: ["d"], raw: "d" },
    ]);
    expect(tokenize(input, [1], 6)).toEqual(tokenize(input, [Number.POSITIVE_INFINITY], 6));
  });

  it("round-trips random records through random chunk boundaries", () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = ['a', 'b', 'Z', '0', ' ', ',', '"', '\n', '\r\n', 'ä', '€', '😀', 'x'];
    const field = (): string => Array.from({ length: rand(6) }, () => alphabet[rand(alphabet.length)]).join("");
    const quote = (f: string): string => (/[",\r\n]/.test(f) || f === "" ? `"${f.replaceAll('"', '""')}"` : f);
    const records: string[][] = Array.from({ length: 400 }, () => Array.from({ length: 1 + rand(5) }, field));
    const text = records.map((r) => r.map(quote).join(",")).join(rand(2) === 0 ? "\n" : "\r\n");
    const expected = records.map((r) => r);
    for (const sizes of [[Number.POSITIVE_INFINITY], [1], [2, 3, 5, 7], [64, 1, 13]]) {
      const got = tokenize(`\uFEFF${text}`, sizes);
      expect(got.map((g) => g.fields)).toEqual(expected);
    }
  });
});
