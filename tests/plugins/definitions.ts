// Shared checks of a built-in plugin's definitions: names, units, ranges that contain the
// thresholds, pulse defaults, facts that read known columns. Each plugin's test calls
// describeDefinitions; tests/plugins/index.test.ts checks names across all of them.
import { describe, expect, it } from "vitest";
import type { PluginDescriptor } from "../../sdk/index.js";

/** Reading fields a fact may read besides sensor channels (README "Rules", facts table). */
const READING_FIELDS = new Set(["value", "consumption", "previous", "days", "daily", "scaling_factor", "digits", "override"]);

/** The channels a plugin can watch: its own and its dependencies'. */
export function visibleChannels(plugin: PluginDescriptor, dependencies: readonly PluginDescriptor[]) {
  const channels = new Map<string, { min: number; max: number }>();
  for (const p of [...dependencies, plugin]) for (const s of p.sensors ?? []) channels.set(s.name, s.range);
  return channels;
}

/** Tests that a plugin's definitions are sane. */
export function describeDefinitions(plugin: PluginDescriptor, dependencies: readonly PluginDescriptor[] = []) {
  describe(`${plugin.name} definitions`, () => {
    it("is named meterflow-<name>, version 1.0.0, for SDK ^1.0.0", () => {
      expect(plugin.name).toMatch(/^meterflow-[a-z]+(-[a-z]+)*$/);
      expect(plugin.version).toBe("1.0.0");
      expect(plugin.sdk).toBe("^1.0.0");
      for (const dep of dependencies) expect(plugin.dependencies?.[dep.name]).toBe("^1.0.0");
      expect(Object.keys(plugin.dependencies ?? {}).sort()).toEqual(dependencies.map((d) => d.name).sort());
    });

    it("contributes something", () => {
      const count = (plugin.meterTypes?.length ?? 0) + (plugin.sensors?.length ?? 0) + (plugin.thresholds?.length ?? 0) + (plugin.facts?.length ?? 0);
      expect(count).toBeGreaterThan(0);
    });

    it("meter types: <medium>.<kind>, a unit, sane defaults", () => {
      for (const type of plugin.meterTypes ?? []) {
        expect(type.name).toMatch(/^[a-z]+\.(register|pulse)$/);
        expect(type.name.endsWith(`.${type.kind}`)).toBe(true);
        expect(type.unit.length).toBeGreaterThan(0);
        expect(type.description.length).toBeGreaterThan(0);
        if (type.kind === "register") {
          expect(type.defaults?.scalingFactor ?? 1).toBeGreaterThan(0);
        } else {
          const d = type.defaults;
          expect(d.pulseWeight).toBeGreaterThan(0);
          expect(["s0a", "s0b", "namur", "reed", undefined]).toContain(d.pulseInput);
          if (d.qmax !== undefined) expect(d.qmax).toBeGreaterThan(0);
          if (d.debounceMs !== undefined) expect(d.debounceMs).toBeGreaterThan(0);
          if (d.noPulseDays !== undefined) expect(Number.isInteger(d.noPulseDays) && d.noPulseDays > 0).toBe(true);
          // qmax must be reachable with whole pulses: at least one pulse an hour.
          if (d.qmax !== undefined) expect(d.qmax / d.pulseWeight).toBeGreaterThanOrEqual(1);
        }
      }
    });

    it("sensors: channel names, units and finite ranges", () => {
      for (const s of plugin.sensors ?? []) {
        expect(s.name).toMatch(/^[a-z0-9_.]+$/);
        expect(s.unit.length).toBeGreaterThan(0);
        expect(s.description.length).toBeGreaterThan(0);
        expect(Number.isFinite(s.range.min) && Number.isFinite(s.range.max)).toBe(true);
        expect(s.range.min).toBeLessThan(s.range.max);
      }
    });

    it("thresholds: one limit inside its channel's range, a duration, severity and message", () => {
      const channels = visibleChannels(plugin, dependencies);
      const names = new Set<string>();
      for (const t of plugin.thresholds ?? []) {
        expect(names.has(t.name), t.name).toBe(false);
        names.add(t.name);
        expect(t.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        const range = channels.get(t.channel);
        expect(range, `${t.name}: channel ${t.channel}`).toBeDefined();
        expect((t.above === undefined) !== (t.below === undefined), t.name).toBe(true);
        const limit = (t.above ?? t.below) as number;
        // Strictly inside: a limit at the edge of the range could never be crossed.
        expect(limit, t.name).toBeGreaterThan(range!.min);
        expect(limit, t.name).toBeLessThan(range!.max);
        const minutes = t.forMinutes ?? 0;
        expect(Number.isInteger(minutes) && minutes >= 0, t.name).toBe(true);
        expect(["info", "warning", "critical"]).toContain(t.severity);
        expect(t.message.length).toBeGreaterThan(0);
      }
    });

    it("facts: read known columns, write new ones", () => {
      const channels = visibleChannels(plugin, dependencies);
      const names = new Set<string>();
      for (const f of plugin.facts ?? []) {
        expect(names.has(f.name), f.name).toBe(false);
        names.add(f.name);
        expect(f.description.length).toBeGreaterThan(0);
        expect(f.reads.length).toBeGreaterThan(0);
        expect(f.writes.length).toBeGreaterThan(0);
        for (const r of f.reads) expect(channels.has(r) || READING_FIELDS.has(r), `${f.name} reads ${r}`).toBe(true);
        for (const w of f.writes) {
          expect(w).toMatch(/^[a-z0-9_]+$/);
          expect(channels.has(w), `${f.name} writes channel ${w}`).toBe(false);
        }
      }
    });
  });
}

/** Runs a fact over rows of inputs and returns its output columns as arrays. */
export function runFact(
  fact: NonNullable<PluginDescriptor["facts"]>[number],
  rows: ReadonlyArray<Readonly<Record<string, number>>>,
): Record<string, number[]> {
  const input: Record<string, Float64Array> = {};
  for (const r of fact.reads) input[r] = Float64Array.from(rows, (row) => row[r] ?? Number.NaN);
  const output: Record<string, Float64Array> = {};
  for (const w of fact.writes) output[w] = new Float64Array(rows.length).fill(Number.NaN);
  fact.compute(input, output, rows.length);
  return Object.fromEntries(Object.entries(output).map(([k, v]) => [k, Array.from(v)]));
}

/** The fact of a plugin by name. */
export function factOf(plugin: PluginDescriptor, name: string) {
  const fact = plugin.facts?.find((f) => f.name === name);
  if (fact === undefined) throw new Error(`${plugin.name} has no fact ${name}`);
  return fact;
}

/** A plugin's thresholds as [name, channel, limit, minutes, severity] rows. */
export function thresholdRows(plugin: PluginDescriptor): Array<[string, string, number, number, string]> {
  return (plugin.thresholds ?? []).map((t) => [t.name, t.channel, (t.above ?? t.below) as number, t.forMinutes ?? 0, t.severity]);
}
