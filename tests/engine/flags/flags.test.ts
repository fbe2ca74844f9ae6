import { describe, expect, it } from "vitest";
import { FLAG, flagMask, flagNames } from "../../../engine/flags/index.js";

describe("flags", () => {
  it("have one distinct bit each", () => {
    const bits = Object.values(FLAG);
    expect(new Set(bits).size).toBe(bits.length);
    for (const bit of bits) expect(bit & (bit - 1)).toBe(0);
  });

  it("convert between masks and names", () => {
    expect(flagNames(FLAG.initial | FLAG.rollover)).toEqual(["initial", "rollover"]);
    expect(flagMask(["rollover", "zero"])).toBe(FLAG.rollover | FLAG.zero);
    expect(flagNames(flagMask(Object.keys(FLAG)))).toEqual(Object.keys(FLAG));
    expect(() => flagMask(["nope"])).toThrow(/unknown flag/);
  });
});
