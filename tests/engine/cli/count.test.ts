// Counts printed by the commands: what toLocaleString("en") writes, without its ICU set-up.
import { describe, expect, it } from "vitest";
import { count } from "../../../engine/cli/count.js";
import { mulberry32 } from "../../helpers/random.js";

describe("count", () => {
  it("groups digits as toLocaleString(\"en\") does, for whole numbers of every length and sign", () => {
    const rnd = mulberry32(20261205);
    const values = [0, -0, 1, -1, 9, 10, 99, 100, 999, 1000, -1000, 999_999, 1_000_000, 12_345_678, Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, -2.25, 1234.5678, Number.NaN, Infinity];
    for (let i = 0; i < 2000; i++) values.push(Math.floor((rnd() - 0.3) * 10 ** Math.floor(rnd() * 16)));
    for (const v of values) expect(count(v), String(v)).toBe(v.toLocaleString("en"));
  });
});
