// DESIGN.md "Register meters", rules 1-6 and 8, pinned line by line against every
// implementation: the SIMD build, the scalar build and the TypeScript reference.
import { describe, expect, it } from "vitest";
import { compute, IMPLEMENTATIONS, one } from "../../helpers/consumption.js";

describe.each(IMPLEMENTATIONS)("consumption rules (%s)", (impl) => {
  describe("rule 1: override", () => {
    it("uses the override as consumption without the scaling factor", () => {
      const r = one(impl, { prev: 100, cur: 150, scale: 10, override: 42 });
      expect(r.consumption).toBe(42);
      expect(r.flags).toEqual(["override"]);
    });

    it("bills an override of 0 as zero consumption", () => {
      const r = one(impl, { prev: 100, cur: 150, override: 0 });
      expect(r.consumption).toBe(0);
      expect(r.flags).toEqual(["override", "zero"]);
    });

    it("wins over a rollover", () => {
      const r = one(impl, { prev: 990, cur: 5, override: 7 });
      expect(r.consumption).toBe(7);
      expect(r.flags).toEqual(["override"]);
    });

    it("treats NaN as a missing override", () => {
      const r = one(impl, { prev: 100, cur: 150, override: Number.NaN });
      expect(r.consumption).toBe(50);
      expect(r.flags).toEqual([]);
    });
  });

  describe("rule 2: difference times scaling factor", () => {
    it("multiplies the difference, not the previous reading, by the factor", () => {
      expect(one(impl, { prev: 100, cur: 150, scale: 2.5 }).consumption).toBe(125);
    });

    it("defaults the factor to 1", () => {
      expect(one(impl, { prev: 4825, cur: 4900 }).consumption).toBe(75);
    });

    it("flags zero when the register has not moved", () => {
      const r = one(impl, { prev: 150, cur: 150 });
      expect(r.consumption).toBe(0);
      expect(r.flags).toEqual(["zero"]);
    });

    it("counts from a previous reading of 0", () => {
      expect(one(impl, { prev: 0, cur: 5 }).consumption).toBe(5);
    });

    it("gives zero with a scaling factor of 0", () => {
      const r = one(impl, { prev: 100, cur: 150, scale: 0 });
      expect(r.consumption).toBe(0);
      expect(r.flags).toEqual(["zero"]);
    });

    it("applies a fractional factor as one IEEE multiplication", () => {
      expect(one(impl, { prev: 100.5, cur: 110.25, scale: 0.1 }).consumption).toBe((110.25 - 100.5) * 0.1);
    });

    it("is exact for register values near 2^53", () => {
      const top = 2 ** 53;
      expect(one(impl, { prev: top - 10, cur: top - 1 }).consumption).toBe(9);
    });
  });

  describe("rule 3: rollover with a reset value", () => {
    it("wraps at the reset value", () => {
      const r = one(impl, { prev: 9990, cur: 5, reset: 10000, scale: 2 });
      expect(r.consumption).toBe(30);
      expect(r.flags).toEqual(["rollover"]);
    });

    it("holds a previous reading above the reset value as implausible", () => {
      const r = one(impl, { prev: 1200, cur: 5, reset: 1000 });
      expect(r.consumption).toBe(-195);
      expect(r.flags).toEqual(["rollover", "implausible_rollover"]);
    });
  });

  describe("rule 4: rollover with an inferred maximum", () => {
    it("infers 999 from a three-digit previous reading (145 -> 999)", () => {
      const r = one(impl, { prev: 145, cur: 20 }, 1);
      expect(r.consumption).toBe(999 - 145 + 20);
      expect(r.flags).toEqual(["rollover", "rollover_inferred"]);
    });

    it("infers 9999 from a four-digit previous reading (4825 -> 9999)", () => {
      const r = one(impl, { prev: 9990, cur: 12, scale: 3 });
      expect(r.consumption).toBe((9999 - 9990 + 12) * 3);
      expect(r.flags).toEqual(["rollover", "rollover_inferred"]);
      expect(one(impl, { prev: 4825, cur: 12 }, 1).consumption).toBe(9999 - 4825 + 12);
    });

    it("infers three digits from 999 and four from 1000", () => {
      expect(one(impl, { prev: 999, cur: 5 }).consumption).toBe(5);
      expect(one(impl, { prev: 1000, cur: 5 }, 1).consumption).toBe(9999 - 1000 + 5);
    });

    it("counts integer digits only (987.5 is a three-digit reading)", () => {
      expect(one(impl, { prev: 987.5, cur: 2.5 }).consumption).toBe(999 - 987.5 + 2.5);
    });

    it("lets configured digits win: 00950 -> 00010 on five dials is not a 59-unit wrap", () => {
      const inferred = one(impl, { prev: 950, cur: 10 });
      expect(inferred.consumption).toBe(59);
      const configured = one(impl, { prev: 950, cur: 10, digits: 5 });
      expect(configured.consumption).toBe(99999 - 950 + 10);
      expect(configured.flags).toEqual(["rollover", "implausible_rollover"]);
    });

    it("does not flag rollover_inferred when digits are configured", () => {
      const r = one(impl, { prev: 99990, cur: 5, digits: 5 });
      expect(r.consumption).toBe(14);
      expect(r.flags).toEqual(["rollover"]);
    });

    it("counts one unit less in documented mode than in modulus mode", () => {
      expect(one(impl, { prev: 999, cur: 0, digits: 3 }).flags).toEqual(["rollover", "zero"]);
      expect(one(impl, { prev: 999, cur: 0, digits: 3 }).consumption).toBe(0);
      const modulus = one(impl, { prev: 999, cur: 0, digits: 3, mode: "modulus" });
      expect(modulus.consumption).toBe(1);
      expect(modulus.flags).toEqual(["rollover"]);
      expect(one(impl, { prev: 985, cur: 10, mode: "modulus" }).consumption).toBe(25);
    });

    it("holds a documented wrap from above max on a register with decimals (999.7 -> 0.3 is -0.4); modulus bills it", () => {
      // Register audit: documented counts one whole unit less than the physical wrap (0.6), so a
      // wrap from between max and the range is negative: held, never billed (README "The maximum of rule 4").
      const documented = one(impl, { prev: 999.7, cur: 0.3 });
      expect(documented.consumption).toBe(999 - 999.7 + 0.3);
      expect(documented.flags).toEqual(["rollover", "rollover_inferred", "implausible_rollover"]);
      expect(one(impl, { prev: 999.7, cur: 0.3, mode: "modulus" })).toMatchObject({ consumption: 1000 - 999.7 + 0.3, flags: ["rollover", "rollover_inferred"] });
      expect(one(impl, { prev: 999.7, cur: 0.8 })).toMatchObject({ consumption: 999 - 999.7 + 0.8, flags: ["rollover", "rollover_inferred"] });
    });

    it("ignores the mode when a reset value is configured", () => {
      expect(one(impl, { prev: 9990, cur: 5, reset: 10000, mode: "modulus" }).consumption).toBe(15);
    });

    it("caps configured digits at 22 dials", () => {
      const r = one(impl, { prev: 5, cur: 1, digits: 200 }, 2);
      expect(r.consumption).toBe(1e22 - 1 - 5 + 1);
    });

    it("stays consistent for 16-dial registers near 2^53, where 10^16 - 1 rounds to 10^16", () => {
      const r = one(impl, { prev: 9007199254740990, cur: 5 }, 1);
      expect(r.consumption).toBe(992800745259015);
      expect(r.flags).toEqual(["rollover", "rollover_inferred"]);
    });
  });

  describe("rule 5: periods", () => {
    it("starts the day after the previous end and counts days inclusively", () => {
      const r = one(impl, { prev: 100, cur: 160, prevEnd: "2026-10-31", end: "2026-11-30" });
      expect(r.start).toBe("2026-11-01");
      expect(r.days).toBe(30);
      expect(r.daily).toBe(2);
    });

    it("crosses leap days and year ends", () => {
      const r = one(impl, { prev: 0, cur: 366, prevEnd: "2027-12-31", end: "2028-12-31" });
      expect(r.start).toBe("2028-01-01");
      expect(r.days).toBe(366);
      expect(r.daily).toBe(1);
    });

    it("gives a one-day period for consecutive days", () => {
      const r = one(impl, { prev: 10, cur: 13, prevEnd: "2026-11-29", end: "2026-11-30" });
      expect([r.start, r.days, r.daily]).toEqual(["2026-11-30", 1, 3]);
    });
  });

  describe("rule 6: first reading", () => {
    it("sets the baseline without consumption", () => {
      const r = one(impl, { cur: 4825, end: "2026-11-30" });
      expect(r).toEqual({ consumption: 0, flags: ["initial"], start: "2026-11-30", days: 0, daily: 0 });
    });

    it("does not bill an override on a first reading", () => {
      const r = one(impl, { cur: 4825, override: 12 });
      expect(r.consumption).toBe(0);
      expect(r.flags).toEqual(["initial"]);
    });
  });

  describe("rule 8: implausible rollover", () => {
    it("flags a register running backwards", () => {
      const r = one(impl, { prev: 4825, cur: 4820 });
      expect(r.flags).toEqual(["rollover", "rollover_inferred", "implausible_rollover"]);
    });

    it("flags a wrap of more than half the range by default, and not one at exactly half", () => {
      expect(one(impl, { prev: 600, cur: 100, digits: 3, mode: "modulus" }).flags).toEqual(["rollover"]);
      expect(one(impl, { prev: 600, cur: 101, digits: 3, mode: "modulus" }).flags)
        .toEqual(["rollover", "implausible_rollover"]);
    });

    it("follows the configured share", () => {
      expect(one(impl, { prev: 9000, cur: 500 }, 0.2).flags).toEqual(["rollover", "rollover_inferred"]);
      expect(one(impl, { prev: 9000, cur: 500 }, 0.1).flags)
        .toEqual(["rollover", "rollover_inferred", "implausible_rollover"]);
    });

    it("holds a non-numeric current reading rather than billing it", () => {
      const r = one(impl, { prev: 100, cur: Number.NaN });
      expect(r.flags).toContain("implausible_rollover");
    });
  });

  it("computes a mixed batch row by row", () => {
    const rows = compute(impl, [
      { prev: 100, cur: 150 },
      { cur: 10 },
      { prev: 990, cur: 5 },
      { prev: 100, cur: 150, override: 3 },
      { prev: 7, cur: 7 },
    ]);
    expect(rows.map((r) => r.consumption)).toEqual([50, 0, 14, 3, 0]);
    expect(rows.map((r) => r.flags.join("|"))).toEqual([
      "", "initial", "rollover|rollover_inferred", "override", "zero",
    ]);
  });
});
