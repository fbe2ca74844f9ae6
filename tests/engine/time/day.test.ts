import { describe, expect, it } from "vitest";
import { dayFromCivil, formatDay, parseDay } from "../../../engine/time/index.js";

describe("day numbers", () => {
  it("count days since 1970-01-01", () => {
    expect(parseDay("1970-01-01")).toBe(0);
    expect(parseDay("2026-11-30")).toBe(Date.UTC(2026, 10, 30) / 86_400_000);
    expect(parseDay("1969-12-31")).toBe(-1);
  });

  it("round-trip every day of four centuries", () => {
    for (let day = dayFromCivil(1900, 1, 1); day < dayFromCivil(2300, 1, 1); day++) {
      const text = formatDay(day);
      if (parseDay(text) !== day || text !== new Date(day * 86_400_000).toISOString().slice(0, 10)) {
        expect.fail(`day ${day} formats as ${text}`);
      }
    }
  });

  it("refuse dates that do not exist", () => {
    for (const text of ["2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "26-11-30", "2026-11-30T00:00:00Z", ""]) {
      expect(parseDay(text), text).toBeNaN();
    }
    expect(parseDay("2028-02-29")).toBe(dayFromCivil(2028, 2, 29));
  });
});
