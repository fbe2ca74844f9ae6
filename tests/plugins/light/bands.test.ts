import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/light/index.js";
import { factOf, runFact } from "../definitions.js";

describe("uv_category (WHO)", () => {
  it("rounds the index and maps it to low, moderate, high, very high, extreme", () => {
    const uv = [0, 2.4, 2.5, 5.4, 5.5, 7.4, 7.5, 10.4, 10.5, 16];
    const { uv_category } = runFact(factOf(plugin, "uv-category"), uv.map((v) => ({ "illuminance.uv": v })));
    expect(uv_category).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it("is NaN without an index", () => {
    expect(runFact(factOf(plugin, "uv-category"), [{}]).uv_category).toEqual([Number.NaN]);
  });
});

describe("ir_fraction", () => {
  const fact = factOf(plugin, "ir-fraction");
  const bands = (ir: number, red: number, green: number, blue: number) => ({
    "illuminance.ir": ir, "illuminance.red": red, "illuminance.green": green, "illuminance.blue": blue,
  });

  it("is the infrared share of the four bands", () => {
    const { ir_fraction } = runFact(fact, [bands(40, 20, 20, 20), bands(0, 1, 2, 3), bands(5, 0, 0, 0)]);
    expect(ir_fraction[0]).toBeCloseTo(0.4, 12);
    expect(ir_fraction[1]).toBe(0);
    expect(ir_fraction[2]).toBe(1);
  });

  it("is NaN in darkness and where a band is missing", () => {
    const { ir_fraction } = runFact(fact, [bands(0, 0, 0, 0), { "illuminance.ir": 1, "illuminance.red": 1 }]);
    expect(ir_fraction).toEqual([Number.NaN, Number.NaN]);
  });
});
