// Plugins for the SDK's tests: a sensor plugin with a fact, a profile depending on it, a meter
// plugin, and a factory for variations.
import { defineFact, definePlugin } from "../../sdk/index.js";
import type { PluginDescriptor } from "../../sdk/index.js";

export const dewPoint = defineFact({
  name: "dew-point",
  description: "dew point, a rough linear approximation",
  reads: ["temp", "rh"],
  writes: ["dew"],
  compute(input, output, n) {
    for (let i = 0; i < n; i++) output.dew[i] = (input.temp[i] as number) - (100 - (input.rh[i] as number)) / 5;
  },
});

export const climate = definePlugin({
  name: "test-climate",
  version: "1.2.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "temp", unit: "°C", description: "air temperature", range: { min: -40, max: 85 } },
    { name: "rh", unit: "%RH", description: "relative humidity", range: { min: 0, max: 100 } },
  ],
  thresholds: [{ name: "hot", channel: "temp", above: 50, forMinutes: 15, severity: "warning", message: "above 50 °C for 15 min" }],
  facts: [dewPoint],
});

export const coldChain = definePlugin({
  name: "test-cold-chain",
  version: "0.3.0",
  sdk: "^1.0.0",
  dependencies: { "test-climate": "^1.1.0" },
  thresholds: [
    { name: "too-warm", channel: "temp", above: 8, forMinutes: 30, severity: "critical", message: "above 8 °C for 30 min" },
    { name: "frozen", channel: "temp", below: 0, severity: "warning", message: "below 0 °C" },
  ],
  rules: [{ rules: [{ name: "humid", conditions: { all: [{ fact: "dew", operator: "greaterThan", value: 20 }] }, event: { type: "alert", params: { severity: "info", channel: "temp", message: "humid" } } }] }],
});

export const meters = definePlugin({
  name: "test-meters",
  version: "2.0.0",
  sdk: "^1.0.0",
  meterTypes: [
    { name: "water.register", kind: "register", unit: "m3", description: "water register", defaults: { digits: 5 } },
    { name: "water.pulse", kind: "pulse", unit: "m3", description: "water pulse", defaults: { pulseWeight: 0.01, pulseInput: "reed" } },
  ],
});

/** A minimal valid plugin with `overrides`. */
export function plugin(overrides: Record<string, unknown> = {}): PluginDescriptor {
  return { name: "p", version: "1.0.0", sdk: "^1.0.0", ...overrides } as PluginDescriptor;
}
