// The byte encoder of billing rows writes exactly what the string formatter writes.
import { describe, expect, it } from "vitest";
import { createFormatter, csvRow, LineBuffer } from "../../../engine/sinks/index.js";
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
});
