import { describe, expect, it } from "vitest";
import { FACTS } from "../../engine/rules/facts.js";
import * as builtins from "../../plugins/index.js";
import { BUILTIN_PLUGINS } from "../../plugins/index.js";
import { PluginRegistry } from "../../sdk/index.js";

/** Every name a list holds more than once. */
function duplicates(names: string[]): string[] {
  return names.filter((n, i) => names.indexOf(n) !== i);
}

describe("BUILTIN_PLUGINS", () => {
  const plugins = [...BUILTIN_PLUGINS];

  it("holds every built-in plugin once, each also a named export", () => {
    const named = Object.entries(builtins).filter(([k]) => k !== "BUILTIN_PLUGINS").map(([, v]) => v);
    expect(new Set(plugins)).toEqual(new Set(named));
    expect(plugins.map((p) => p.name).sort()).toEqual([
      "meterflow-air-quality", "meterflow-cold-chain", "meterflow-electricity", "meterflow-environment", "meterflow-fuel",
      "meterflow-gas", "meterflow-heat", "meterflow-light", "meterflow-noise", "meterflow-power", "meterflow-radiation",
      "meterflow-water", "meterflow-water-network",
    ]);
  });

  it("lists dependencies before dependents", () => {
    plugins.forEach((p, i) => {
      for (const dep of Object.keys(p.dependencies ?? {})) {
        const at = plugins.findIndex((q) => q.name === dep);
        expect(at, `${p.name} needs ${dep}`).toBeGreaterThanOrEqual(0);
        expect(at, `${p.name} after ${dep}`).toBeLessThan(i);
      }
    });
  });

  it("names meter types, channels and fact columns once across all plugins", () => {
    const meterTypes = plugins.flatMap((p) => (p.meterTypes ?? []).map((t) => t.name));
    const channels = plugins.flatMap((p) => (p.sensors ?? []).map((s) => s.name));
    const written = plugins.flatMap((p) => (p.facts ?? []).flatMap((f) => [...f.writes]));
    expect(duplicates(meterTypes)).toEqual([]);
    expect(duplicates([...channels, ...written])).toEqual([]);
  });

  it("shadows none of the reading's own facts", () => {
    const columns = plugins.flatMap((p) => [...(p.sensors ?? []).map((s) => s.name), ...(p.facts ?? []).flatMap((f) => [...f.writes])]);
    expect(columns.filter((c) => Object.prototype.hasOwnProperty.call(FACTS, c))).toEqual([]);
  });

  it("has the register and pulse types of every medium, including the demo fleet's", () => {
    const meterTypes = plugins.flatMap((p) => (p.meterTypes ?? []).map((t) => t.name));
    for (const medium of ["electricity", "gas", "water", "heat", "fuel"]) {
      expect(meterTypes).toContain(`${medium}.register`);
      expect(meterTypes).toContain(`${medium}.pulse`);
    }
  });

  it("register together in one registry, in the order given", () => {
    const registry = new PluginRegistry();
    registry.registerAll(BUILTIN_PLUGINS);
    expect(registry.plugins.map((p) => p.name)).toEqual(plugins.map((p) => p.name));
    expect(registry.thresholds.map((t) => t.rule)).toContain("meterflow-cold-chain/too-warm");
  });

  it("compute every fact on one batch of wide rows", () => {
    const registry = new PluginRegistry();
    registry.registerAll(BUILTIN_PLUGINS);
    const columns: Record<string, Float64Array> = {
      temperature: Float64Array.of(20, Number.NaN),
      humidity: Float64Array.of(50, Number.NaN),
      "illuminance.uv": Float64Array.of(7.5, Number.NaN),
      power_loss: Float64Array.of(1, Number.NaN),
    };
    registry.runFacts(columns, 2);
    expect(columns.dew_point?.[0]).toBeCloseTo(9.26, 2);
    expect(columns.uv_category?.[0]).toBe(3);
    expect(columns.on_battery?.[0]).toBe(1);
    // Columns not in the batch read as NaN: no data, no fact.
    expect(columns.ir_fraction?.[0]).toBeNaN();
    for (const name of ["dew_point", "absolute_humidity", "uv_category", "ir_fraction", "on_battery"]) expect(columns[name]?.[1], name).toBeNaN();
  });
});
