import { describe, expect, it } from "vitest";
import { HeldReadings } from "../../../engine/decide/held-readings.js";

describe("HeldReadings", () => {
  it("tells an exact held reading by day, value and override (no override equals no override)", () => {
    const held = new HeldReadings();
    held.add(7, 100, 50, Number.NaN);
    held.add(7, 101, 60, 3);
    expect(held.has(7, 100, 50, Number.NaN)).toBe(true);
    expect(held.has(7, 100, 50, 0)).toBe(false);
    expect(held.has(7, 100, 51, Number.NaN)).toBe(false);
    expect(held.has(7, 101, 60, 3)).toBe(true);
    expect(held.has(7, 101, 60, Number.NaN)).toBe(false);
    expect(held.has(8, 100, 50, Number.NaN)).toBe(false);
    expect(held.has(7, 100, -0 + 50, Number.NaN)).toBe(true);
    held.add(9, 5, 0, Number.NaN);
    expect(held.has(9, 5, -0, Number.NaN)).toBe(true);
  });

  it("keeps a meter known with none, counts without repeats, and lists entries", () => {
    const held = new HeldReadings();
    expect(held.knows(1)).toBe(false);
    held.open(1);
    expect(held.knows(1)).toBe(true);
    expect(held.count(1)).toBe(0);
    held.add(1, 10, 5, Number.NaN);
    held.add(1, 10, 5, Number.NaN);
    expect(held.count(1)).toBe(1);
    expect(held.entries(1)).toEqual([[10, 5, Number.NaN]]);
    expect(held.entries(2)).toEqual([]);
  });

  it("answers the same for a meter with many held readings (kept as a set past 32)", () => {
    const held = new HeldReadings();
    for (let d = 0; d < 100; d++) held.add(3, 1000 + d, d * 1.5, d % 3 === 0 ? Number.NaN : d);
    held.add(3, 1000, 0, Number.NaN);
    expect(held.count(3)).toBe(100);
    for (let d = 0; d < 100; d++) {
      expect(held.has(3, 1000 + d, d * 1.5, d % 3 === 0 ? Number.NaN : d)).toBe(true);
      expect(held.has(3, 1000 + d, d * 1.5 + 1, Number.NaN)).toBe(false);
    }
    const entries = held.entries(3);
    expect(entries).toHaveLength(100);
    expect(entries).toContainEqual([1098, 98 * 1.5, 98]);
    expect(entries).toContainEqual([1003, 4.5, Number.NaN]);
  });
});
