// createTestEngine runs rules (issue 13): a plugin author tests a rule in vitest, with the plugin's
// rule files (and rule files given) over reading and sensor rows, and gets what a run decides:
// hold reasons, temp_bad, alerts named <plugin>/<rule>; a misspelt fact throws the coded error a
// run stops on. checkPluginRules is the conformance suite's check of the same.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestEngine } from "../../../sdk/testing/engine.js";
import { checkPluginRules } from "../../../sdk/testing/rule-check.js";
import type { PluginDescriptor } from "../../../sdk/plugin.js";
import { BUILTIN_PLUGINS } from "../../../plugins/index.js";
import { tempDir } from "../../helpers/tmp.js";

const hold = (name: string, fact: string, operator: string, value: unknown) => ({
  name, conditions: { all: [{ fact, operator, value }] }, event: { type: "hold", params: { reason: name } },
});

function soil(fact = "soil_dryness"): PluginDescriptor {
  return {
    name: "acme-soil", version: "1.0.0", sdk: "^1.0.0",
    sensors: [{ name: "soil_moisture", unit: "%", description: "volumetric water content", range: { min: 0, max: 100 } }],
    facts: [{
      name: "dryness", description: "1 - moisture/100", reads: ["soil_moisture"], writes: ["soil_dryness"],
      compute(input, output, n) {
        for (let i = 0; i < n; i++) output.soil_dryness[i] = 1 - input.soil_moisture[i] / 100;
      },
    }],
    rules: [{ name: "irrigation", rules: [hold("dry", fact, "greaterThan", 0.8)] }],
  } as PluginDescriptor;
}

function vibration(rows?: "reading" | "sensor" | "both"): PluginDescriptor {
  return {
    name: "acme-vibration", version: "1.0.0", sdk: "^1.0.0",
    sensors: [{ name: "vibration", unit: "mm/s", description: "RMS vibration velocity", range: { min: 0, max: 100 } }],
    rules: [{
      name: "zones", ...(rows === undefined ? {} : { rows }),
      rules: [{
        name: "vibration-zone-c", conditions: { all: [{ fact: "vibration", operator: "greaterThan", value: 4.5 }] },
        event: { type: "alert", params: { severity: "warning", channel: "vibration", message: "zone C: restricted operation" } },
      }],
    }],
  } as PluginDescriptor;
}

describe("createTestEngine decide: a plugin's rules in a unit test", () => {
  it("holds the dry meter's reading by the plugin's derived fact, bills the wet one", () => {
    const engine = createTestEngine({ plugins: [soil()] });
    const [dry, wet, unmeasured] = engine.decide([
      { meterId: "F-1", time: "2026-11-30", value: 120, channels: { soil_moisture: 10 } },
      { meterId: "F-2", time: "2026-11-30", value: 80, channels: { soil_moisture: 55 } },
      { meterId: "F-3", time: "2026-11-30", value: 80 },
    ]);
    expect(dry).toMatchObject({ meterId: "F-1", row: "reading", billable: false, reasons: ["dry"], alerts: [] });
    expect(wet).toMatchObject({ meterId: "F-2", row: "reading", billable: true, reasons: [] });
    // No soil_moisture: soil_dryness is null, and null > 0.8 is false.
    expect(unmeasured).toMatchObject({ billable: true, reasons: [] });
  });

  it("throws the run's coded error for a misspelt fact, naming plugin, rule file, rule and path", () => {
    const engine = createTestEngine({ plugins: [soil("soil_drynes")] });
    expect(() => engine.decide([{ meterId: "F-1", time: "2026-11-30", value: 1 }])).toThrow(
      expect.objectContaining({
        code: "MF_ERR_RULES_UNKNOWN_FACT",
        message: expect.stringContaining(`plugin acme-soil: irrigation rules[0].conditions.all[0].fact: unknown fact "soil_drynes" (did you mean "soil_dryness"?)`),
      }),
    );
    expect(() => checkPluginRules(soil("soil_drynes"), BUILTIN_PLUGINS)).toThrow(expect.objectContaining({ code: "MF_ERR_RULES_UNKNOWN_FACT" }));
    expect(() => checkPluginRules(soil(), BUILTIN_PLUGINS)).not.toThrow();
  });

  it("runs a sensor-rows rule on sensor rows only, its alert named <plugin>/<rule>", () => {
    const engine = createTestEngine({ plugins: [vibration("sensor")] });
    const decisions = engine.decide([
      { meterId: "P-1", time: "2026-11-02T08:05:00Z", channels: { vibration: 5.0 } },
      { meterId: "P-1", time: "2026-11-02T08:10:00Z", channels: { vibration: 5.5 } },
      { meterId: "P-1", time: "2026-11-02T08:15:00Z", channels: { vibration: 3.0 } },
      { meterId: "P-2", time: "2026-11-02T08:00:00Z", value: 10, channels: { vibration: 5.5 } },
    ]);
    expect(decisions.map((d) => [d.row, d.alerts.map((a) => a.rule)])).toEqual([
      ["sensor", ["acme-vibration/vibration-zone-c"]],
      ["sensor", ["acme-vibration/vibration-zone-c"]],
      ["sensor", []],
      ["reading", []],
    ]);
    expect(decisions[1].alerts[0]).toEqual({ rule: "acme-vibration/vibration-zone-c", severity: "warning", channel: "vibration", message: "zone C: restricted operation" });
    expect(decisions[0].billable).toBe(false);
  });

  it("runs a rule file without rows on reading rows only, and one of both on both", () => {
    const rows = [
      { meterId: "P-1", time: "2026-11-02T08:05:00Z", channels: { vibration: 5.5 } },
      { meterId: "P-2", time: "2026-11-02T08:00:00Z", value: 10, channels: { vibration: 5.5 } },
    ];
    const alerted = (plugin: PluginDescriptor) => createTestEngine({ plugins: [plugin] }).decide(rows).map((d) => d.alerts.length);
    expect(alerted(vibration())).toEqual([0, 1]);
    expect(alerted(vibration("both"))).toEqual([1, 1]);
  });

  it("runs rule files given beside the plugin's, the default rules when asked, and temp_bad flags the meter's later readings", () => {
    const dir = tempDir("meterflow-test-engine-rules-");
    const file = join(dir, "mine.json");
    writeFileSync(file, JSON.stringify([
      { name: "soaked", conditions: { all: [{ fact: "soil_moisture", operator: "greaterThan", value: 95 }] }, event: { type: "temp_bad", params: { reason: "probe_flooded" } } },
      { name: "flagged", conditions: { all: [{ fact: "meter_temp_bad", operator: "equal", value: true }] }, event: { type: "alert", params: { severity: "info", channel: "soil_moisture", message: "flagged meter" } } },
    ]));
    const engine = createTestEngine({ plugins: [soil()], rules: [file], defaultRules: true });
    const [first, soaked, later] = engine.decide([
      { meterId: "F-1", time: "2026-11-28", value: 100, channels: { soil_moisture: 50 }, facts: { initial: true } },
      { meterId: "F-1", time: "2026-11-29", value: 110, channels: { soil_moisture: 99 }, facts: { consumption: 10, days: 1, daily: 10, history_readings: 1 } },
      { meterId: "F-1", time: "2026-11-30", value: 120, channels: { soil_moisture: 50 }, facts: { consumption: 10, days: 1, daily: 10, history_readings: 1 } },
    ]);
    expect(first.reasons).toEqual(["initial"]);
    expect(soaked).toMatchObject({ tempBad: "probe_flooded", reasons: ["temp_bad:probe_flooded"] });
    expect(later.alerts.map((a) => a.rule)).toEqual(["flagged"]);
    expect(later.reasons).toEqual(["temp_bad"]);
  });
});
