// The syntax-error locator agrees with JSON.parse: on random corruptions of rule JSON it fails
// exactly when JSON.parse fails, at the position JSON.parse names when it names one.
import { describe, expect, it } from "vitest";
import { jsonErrorOffset, lineColumn } from "../../../../engine/rules/load/json-position.js";
import { mulberry32, seeds } from "../../../helpers/random.js";

const VALID = JSON.stringify(
  {
    rules: [{ name: "spike-\u00e9", priority: 2, conditions: { all: [{ fact: "daily", operator: "greaterThan", value: -1.5e3 }] }, event: { type: "hold", params: { reason: "a\"b\\c\n" } } }],
    conditions: { c: { any: [{ fact: "x", operator: "in", value: [true, false, null, 0, "\u0001"] }] } },
  },
  null,
  2,
);
const NOISE = ['"', "{", "}", "[", "]", ",", ":", "\\", "\n", " ", "e", "-", "0", ".", "t", "n", "\u0000", "u"];

describe("jsonErrorOffset", () => {
  it("accepts valid JSON", () => {
    for (const text of [VALID, "0", " -0.5e+10 ", '"\\u00e9"', "[]", "{}", "null"]) expect(jsonErrorOffset(text)).toBe(-1);
  });

  it.each(seeds(7))("agrees with JSON.parse on corrupted texts (seed %i)", (seed) => {
    const random = mulberry32(seed);
    for (let n = 0; n < 3000; n++) {
      const chars = [...VALID];
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
        const at = Math.floor(random() * chars.length);
        const op = random();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, NOISE[Math.floor(random() * NOISE.length)]);
        else chars.length = at;
      }
      const text = chars.join("");
      let named: number | null = null;
      let failed = false;
      try {
        JSON.parse(text);
      } catch (error) {
        failed = true;
        const match = /at position (\d+)/.exec((error as Error).message);
        if (match) named = Number(match[1]);
      }
      const offset = jsonErrorOffset(text);
      expect(offset >= 0, text).toBe(failed);
      if (named !== null) expect(offset, text).toBe(named);
    }
  });

  it("counts lines on \\n, \\r\\n and \\r", () => {
    expect(lineColumn("ab\ncd\r\nef\rgh", 11)).toEqual({ line: 4, column: 2 });
    expect(lineColumn("abc", 0)).toEqual({ line: 1, column: 1 });
  });
});
