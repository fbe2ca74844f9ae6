// NDJSON billing and held rows built as strings (sinks/formatter.ts jsonRow) are exactly what
// JSON.stringify writes of the record (jsonRecord), over random rows: ids with quotes,
// backslashes, control and non-ASCII characters; numbers not finite, negative zero, fractions.
import { describe, expect, it } from "vitest";
import { jsonRecord, jsonRow } from "../../../engine/sinks/formatter.js";
import { mulberry32, seeds } from "../../helpers/random.js";

const IDS = ["E-1", "M-0000001", 'quo"te', "back\\slash", "tab\there", "Zähler-Ω", "😀", "", "new\nline", "ctl\u0001"];
const NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456.789, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 1];

describe("jsonRow", () => {
  for (const seed of seeds(0x150)) {
    it(`is JSON.stringify of the record, over random rows (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
      const num = () => (rand() < 0.5 ? pick(NUMBERS) : (rand() - 0.5) * 10 ** Math.floor(rand() * 12));
      for (let i = 0; i < 2000; i++) {
        const args = [pick(IDS), rand() < 0.2 ? Number.NaN : 20_000 + Math.floor(rand() * 500), 20_000 + Math.floor(rand() * 500), num(), num(), num(),
          num(), num(), Math.floor(rand() * 64), rand() < 0.5 ? undefined : pick(["initial", "implausible_rollover|temp_bad", "a\"b"])] as const;
        expect(jsonRow(...args)).toBe(JSON.stringify(jsonRecord(...args)));
      }
    });
  }
});
