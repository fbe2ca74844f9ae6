// Output formatting: numbers rounded to 6 decimals without float noise, exactly like
// String(Math.round(x * 1e6) / 1e6); CSV quoting; reading ids.
import { describe, expect, it } from "vitest";
import { csv, num, readingId } from "../../../engine/sinks/index.js";
import { parseDay } from "../../../engine/time/index.js";
import { mulberry32 } from "../../helpers/random.js";

describe("num", () => {
  it("writes integers, decimals and special values", () => {
    expect([num(0), num(-0), num(42), num(-7), num(0.975), num((110.25 - 100.5) * 0.1), num(-0.5), num(48213.25)])
      .toEqual(["0", "0", "42", "-7", "0.975", "0.975", "-0.5", "48213.25"]);
    expect([num(Number.NaN), num(Infinity), num(-Infinity), num(1e300), num(0.0000004), num(-0.0000004)])
      .toEqual(["", "Infinity", "-Infinity", "1e+300", "0", "0"]);
  });

  it("agrees with String(Math.round(x * 1e6) / 1e6) on a million random values", () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 1_000_000; i++) {
      const scale = 10 ** Math.floor(rnd() * 14 - 4);
      const x = (rnd() - 0.3) * scale;
      const expected = String(Math.round(x * 1e6) / 1e6);
      const got = num(x);
      if (got !== expected && !(expected === "-0" || (expected === "0" && got === "0"))) {
        expect.fail(`num(${x}) = ${got}, expected ${expected}`);
      }
    }
  });
});

describe("csv and reading ids", () => {
  it("quotes only what needs it", () => {
    expect([csv("E-1"), csv("a,b"), csv('say "hi"'), csv("two\nlines")]).toEqual(["E-1", '"a,b"', '"say ""hi"""', '"two\nlines"']);
    expect(readingId("E-1", parseDay("2026-11-30"))).toBe("E-1@2026-11-30");
  });
});
