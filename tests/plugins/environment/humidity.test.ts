import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/environment/index.js";
import { factOf, runFact } from "../definitions.js";

describe("dew_point (Magnus, Sonntag 1990)", () => {
  const dewPoint = factOf(plugin, "dew-point");

  it("matches published dew points", () => {
    const { dew_point } = runFact(dewPoint, [
      { temperature: 20, humidity: 50 },
      { temperature: 30, humidity: 80 },
      { temperature: 25, humidity: 60 },
      { temperature: 5, humidity: 100 },
      { temperature: -10, humidity: 100 },
    ]);
    expect(dew_point[0]).toBeCloseTo(9.3, 1);
    expect(dew_point[1]).toBeCloseTo(26.2, 1);
    expect(dew_point[2]).toBeCloseTo(16.7, 1);
    // Saturated air: the dew point is the temperature.
    expect(dew_point[3]).toBeCloseTo(5, 10);
    expect(dew_point[4]).toBeCloseTo(-10, 10);
  });

  it("is NaN without a humidity, without a temperature, and for dry air", () => {
    const { dew_point } = runFact(dewPoint, [{ temperature: 20 }, { humidity: 50 }, { temperature: 20, humidity: 0 }]);
    expect(dew_point).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  it("never exceeds the temperature", () => {
    const rows = [];
    for (let t = -40; t <= 60; t += 5) for (let h = 5; h <= 100; h += 5) rows.push({ temperature: t, humidity: h });
    const { dew_point } = runFact(dewPoint, rows);
    rows.forEach((row, i) => expect(dew_point[i]).toBeLessThanOrEqual(row.temperature + 1e-9));
  });
});

describe("absolute_humidity", () => {
  const absolute = factOf(plugin, "absolute-humidity");

  it("matches published values", () => {
    const { absolute_humidity } = runFact(absolute, [
      { temperature: 20, humidity: 50 },
      { temperature: 30, humidity: 100 },
      { temperature: 0, humidity: 100 },
      { temperature: 20, humidity: 0 },
    ]);
    expect(absolute_humidity[0]).toBeCloseTo(8.65, 1);
    expect(absolute_humidity[1]).toBeCloseTo(30.4, 0);
    expect(absolute_humidity[2]).toBeCloseTo(4.85, 1);
    expect(absolute_humidity[3]).toBe(0);
  });

  it("is NaN where an input is missing", () => {
    const { absolute_humidity } = runFact(absolute, [{ temperature: 20 }, { humidity: 50 }]);
    expect(absolute_humidity).toEqual([Number.NaN, Number.NaN]);
  });
});
