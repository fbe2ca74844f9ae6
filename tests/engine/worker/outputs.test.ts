// How a worker cuts a batch's output lines into messages (engine/worker/outputs.ts): every piece
// within the limit unless one line alone is longer, cut only at line ends, nothing lost or
// repeated; in CSV never inside a quoted field, which may hold a line break.
import { describe, expect, it } from "vitest";
import { chunks } from "../../../engine/worker/outputs.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (piece: Uint8Array) => new TextDecoder().decode(piece);

/** xorshift32: the same seed, the same lines. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** CSV records as rows.ts writes them: some with quoted fields holding commas, quotes and line breaks. */
function csvRecords(seed: number, count: number): string[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const plain = `M-${i},2026-11-30,${next(100_000)}`;
    switch (next(4)) {
      case 0: return `${plain},"a ""quoted"" message,\nover two lines"\n`;
      case 1: return `${plain},"x${"y".repeat(next(300))}"\n`;
      case 2: return `${plain},${"w".repeat(next(100))},"line\nbreak"\n`;
      default: return `${plain},${"z".repeat(next(120))}\n`;
    }
  });
}

describe("chunks", () => {
  it("cuts NDJSON at line ends, each piece within the limit, nothing lost", () => {
    const next = rng(7);
    const lines = Array.from({ length: 2_000 }, (_, i) => `{"meter_id":"M-${i}","consumption":${next(1000)}}\n`);
    for (const limit of [64, 500, 4096]) {
      const pieces = chunks(bytes(lines.join("")), limit);
      expect(pieces.map(text).join("")).toBe(lines.join(""));
      for (const p of pieces) {
        expect(p.length).toBeLessThanOrEqual(limit);
        expect(p[p.length - 1]).toBe(10);
      }
    }
  });

  it("gives a line longer than the limit a piece of its own", () => {
    const pieces = chunks(bytes(`short\n${"x".repeat(100)}\nshort\n`), 20).map(text);
    expect(pieces).toEqual(["short\n", `${"x".repeat(100)}\n`, "short\n"]);
  });

  it("never cuts a CSV record inside its quotes, over many seeds and limits", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const records = csvRecords(seed, 300);
      const all = records.join("");
      for (const limit of [40, 200, 1000, 10_000]) {
        const pieces = chunks(bytes(all), limit, true).map(text);
        expect(pieces.join("")).toBe(all);
        // Every piece is whole records: the records, in order, split among the pieces.
        let r = 0;
        for (const piece of pieces) {
          let rest = piece;
          const start = r;
          while (rest.length > 0) {
            expect(rest.startsWith(records[r]), `seed ${seed}, limit ${limit}, record ${r}`).toBe(true);
            rest = rest.slice(records[r].length);
            r++;
          }
          // Within the limit, or a single record longer than it.
          expect(piece.length <= limit || r - start === 1, `seed ${seed}, limit ${limit}`).toBe(true);
        }
        expect(r).toBe(records.length);
      }
    }
  });

  it("cuts NDJSON without reading quotes (a JSON string's escaped quote is no CSV quote)", () => {
    const lines = ['{"raw":"a \\"b"}\n', '{"raw":"c"}\n', '{"raw":"d"}\n'];
    expect(chunks(bytes(lines.join("")), 20).map(text)).toEqual(lines);
  });
});
