// Type-level tests (issue 13, item 8): definePlugin makes a misspelt field a compile error at any
// depth of the descriptor, as validatePlugin makes it a problem at run time. `npm run typecheck`
// (tsconfig.json includes tests/) fails on an unused `// @ts-expect-error`, so each line below
// must stay an error: without definePlugin's Exact<P, PluginDescriptor> none of them is one.
import { describe, expect, expectTypeOf, it } from "vitest";
import { defineFact, definePlugin, validatePlugin } from "../../sdk/index.js";
import type { PluginDescriptor } from "../../sdk/index.js";

const base = { name: "acme-soil", version: "1.0.0", sdk: "^1.0.0" } as const;
const moisture = { name: "soil_moisture", unit: "%", description: "", range: { min: 0, max: 100 } } as const;

describe("definePlugin refuses fields the descriptor does not have", () => {
  it("at the top level: sensor for sensors", () => {
    // @ts-expect-error `sensor` is not a field of a plugin (`sensors` is)
    const p = definePlugin({ ...base, sensor: [moisture] });
    expect(validatePlugin(p).map((x) => x.path)).toEqual(["sensor"]);
  });

  it("in a threshold: belw for below", () => {
    const p = definePlugin({
      ...base,
      sensors: [moisture],
      // @ts-expect-error `belw` is not a field of a threshold
      thresholds: [{ name: "dry", channel: "soil_moisture", below: 20, belw: 15, severity: "warning", message: "dry" }],
    });
    expect(validatePlugin(p).map((x) => x.path)).toEqual(["thresholds[0].belw"]);
  });

  it("in a channel's range, a meter type's defaults, the hooks and an inline fact", () => {
    // @ts-expect-error `mx` is not a field of a range
    definePlugin({ ...base, sensors: [{ ...moisture, range: { min: 0, max: 100, mx: 100 } }] });
    // @ts-expect-error `pulseWieght` is not a pulse default
    definePlugin({ ...base, meterTypes: [{ name: "soil.pulse", kind: "pulse", unit: "l", description: "", defaults: { pulseWeight: 1, pulseWieght: 1 } }] });
    // @ts-expect-error `digts` is not a register default
    definePlugin({ ...base, meterTypes: [{ name: "soil.register", kind: "register", unit: "l", description: "", defaults: { digts: 5 } }] });
    // @ts-expect-error `setUp` is not a hook (`setup` is)
    definePlugin({ ...base, hooks: { async setUp() {} } });
    // @ts-expect-error `write` is not a field of a fact (`writes` is)
    definePlugin({ ...base, facts: [{ name: "f", description: "", reads: ["value"], writes: ["x"], write: ["y"], compute() {} }] });
  });

  it("keeps every valid descriptor, its literal types, and what the descriptor leaves open", () => {
    const p = definePlugin({
      ...base,
      dependencies: { "meterflow-environment": "^1.0.0" },
      meterTypes: [
        { name: "soil.pulse", kind: "pulse", unit: "l", description: "", defaults: { pulseWeight: 0.5, pulseInput: "reed" } },
        { name: "soil.register", kind: "register", unit: "l", description: "", defaults: { digits: 6 } },
      ],
      sensors: [{ ...moisture, integer: false }],
      thresholds: [{ name: "dry", channel: "soil_moisture", below: 15, forMinutes: 60, hysteresis: 2, severity: "warning", message: "dry" }],
      facts: [defineFact({ name: "dryness", description: "", reads: ["soil_moisture"], writes: ["soil_dryness"], compute() {} })],
      // Rules are json-rules-engine's format: any fields.
      rules: [{ name: "r", rows: "both", rules: [{ name: "x", priority: 5, conditions: { all: [] }, event: { type: "alert", params: { any: 1 } } }], conditions: { c: { any: [] } } }],
      hooks: { async setup(context) { context.log("up"); }, async teardown() {} },
    });
    expectTypeOf(p.name).toEqualTypeOf<"acme-soil">();
    expectTypeOf(p.thresholds[0].below).toEqualTypeOf<15>();
    expectTypeOf(p).toExtend<PluginDescriptor>();
    expect(validatePlugin(p)).toEqual([]);
    const typed: PluginDescriptor = p;
    expectTypeOf(definePlugin(typed)).toEqualTypeOf<PluginDescriptor>();
  });
});
