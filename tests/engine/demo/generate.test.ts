// generateDemoData: deterministic files whose contents match the manifest, scenario by scenario.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeConsumptionReference, DEFAULT_MAX_WRAP_SHARE, ROLLOVER_MODE } from "../../../engine/consumption/index.js";
import type { ConsumptionColumns } from "../../../engine/consumption/index.js";
import { BAD_ROW_REASONS, DEMO_METERS_HEADER, generateDemoData, READINGS_HEADER } from "../../../engine/demo/index.js";
import type { DemoManifest, DemoScenarioKind } from "../../../engine/demo/index.js";
import { flagNames } from "../../../engine/flags/index.js";
import { formatDay, parseDay } from "../../../engine/time/index.js";
import { classify, readCsv, readRegistry, violations } from "./csv.js";
import type { Csv, RegistryRow } from "./csv.js";

const root = mkdtempSync(join(tmpdir(), "meterflow-demo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KINDS: DemoScenarioKind[] = [
  "back_dated", "bad_row", "conflict", "duplicate", "hierarchy", "initial", "meter_exchange", "override",
  "registry_baseline", "rollover_configured", "rollover_inferred", "rollover_reset", "unknown_meter", "vacant",
  "verification_zero",
];

describe("generateDemoData determinism", () => {
  it("writes byte-identical files for the same seed, different ones for another", async () => {
    const a = await generateDemoData({ dir: join(root, "a"), meters: 150, days: 20, seed: 7 });
    const b = await generateDemoData({ dir: join(root, "b"), meters: 150, days: 20, seed: 7 });
    const c = await generateDemoData({ dir: join(root, "c"), meters: 150, days: 20, seed: 8 });
    for (const file of ["meters", "readings"] as const) {
      expect(readFileSync(b.files[file]).equals(readFileSync(a.files[file]))).toBe(true);
      expect(readFileSync(c.files[file]).equals(readFileSync(a.files[file]))).toBe(false);
    }
    expect({ ...b, dir: "", files: {} }).toEqual({ ...a, dir: "", files: {} });
  });

  it("rejects options it cannot honour", async () => {
    await expect(generateDemoData({ dir: join(root, "x"), meters: 10 })).rejects.toThrow(/meters/);
    await expect(generateDemoData({ dir: join(root, "x"), days: 3 })).rejects.toThrow(/days/);
    await expect(generateDemoData({ dir: join(root, "x"), startDay: "2026-02-30" })).rejects.toThrow(/startDay/);
  });
});

interface Loaded {
  m: DemoManifest;
  readings: Csv;
  registry: Map<string, RegistryRow>;
  reasons: Map<number, string | null>;
  byLine: Map<number, Csv["rows"][number]>;
}

for (const config of [
  { name: "defaults (3000 meters x 60 days)", options: {} },
  { name: "smallest (100 meters x 14 days)", options: { meters: 100, days: 14, seed: 3, startDay: "2026-01-25" } },
  { name: "long (400 meters x 400 days, over 2028-02-29)", options: { meters: 400, days: 400, seed: 11, startDay: "2027-12-01" } },
]) {
  describe(`generateDemoData ${config.name}`, () => {
    let t: Loaded;
    beforeAll(async () => {
      const m = await generateDemoData({ dir: join(root, config.name.split(" ")[0]), ...config.options });
      const readings = readCsv(m.files.readings);
      const registry = readRegistry(m.files.meters);
      const today = parseDay(m.endDay) + 30;
      const reasons = new Map(readings.rows.map((r) => [r.line, classify(r.fields, registry, today)]));
      t = { m, readings, registry, reasons, byLine: new Map(readings.rows.map((r) => [r.line, r])) };
    });
    const valid = (): Csv["rows"] => t.readings.rows.filter((r) => t.reasons.get(r.line) === null);

    it("writes the documented headers and a registry of realistic meters", () => {
      expect(readFileSync(t.m.files.meters, "latin1").split("\n")[0]).toBe(DEMO_METERS_HEADER);
      expect(t.readings.header.join(",")).toBe(READINGS_HEADER);
      expect(t.registry.size).toBe(t.m.meters);
      const types: Record<string, string> = { E: "electricity.register", G: "gas.register", W: "water.register", H: "heat.register" };
      for (const meter of t.registry.values()) {
        expect(meter.id).toMatch(/^[EGWH]-\d{6}$/);
        expect(meter.fields.type).toBe(types[meter.id[0]]);
        expect(meter.fields.last_reading === "").toBe(meter.fields.last_end === "");
        if (meter.fields.parent_id !== "") expect(t.registry.has(meter.fields.parent_id)).toBe(true);
      }
      const factors = new Set([...t.registry.values()].map((r) => r.fields.scaling_factor));
      if (t.m.meters >= 1000) expect([...factors].sort()).toEqual(["0.01", "1", "10"]);
    });

    it("counts every row and every bad row by reason, as the manifest says", () => {
      expect(t.readings.rows.length).toBe(t.m.rows.total);
      const counted = Object.fromEntries(BAD_ROW_REASONS.map((r) => [r, 0]));
      for (const reason of t.reasons.values()) if (reason !== null) counted[reason]++;
      expect(counted).toEqual(t.m.rows.bad);
      expect(t.m.rows.badTotal).toBe(t.readings.rows.length - valid().length);
      for (const reason of BAD_ROW_REASONS) expect(t.m.rows.bad[reason], reason).toBeGreaterThan(0);
      const badLines = t.m.scenarios.filter((s) => s.kind === "bad_row").flatMap((s) => s.lines);
      expect(badLines.sort((a, b) => a - b)).toEqual(t.readings.rows.filter((r) => t.reasons.get(r.line) !== null).map((r) => r.line));
      const today = parseDay(t.m.endDay) + 30;
      for (const s of t.m.scenarios.filter((x) => x.kind === "bad_row")) {
        // One broken rule per bad row: the reason does not depend on the order of the checks.
        expect(violations(t.byLine.get(s.lines[0])!.fields, t.registry, today)).toEqual([s.expect.reason]);
      }
    });

    it("counts duplicates, conflicts, unknown meters, back-dated rows, overrides and initial readings", () => {
      const seen = new Set<string>();
      const byKey = new Map<string, string>();
      const latest = new Map<string, number>();
      const counts = { duplicates: 0, conflicts: 0, unknownMeter: 0, backDated: 0, overrides: 0 };
      const backDatedKeys: string[] = [];
      for (const r of valid()) {
        const [id, end, , override, source] = r.fields;
        if (seen.has(r.text)) { counts.duplicates++; continue; }
        seen.add(r.text);
        const key = `${id} ${end}`;
        if (byKey.has(key)) counts.conflicts++;
        else byKey.set(key, r.text);
        if (!t.registry.has(id)) counts.unknownMeter++;
        if (override !== "") { counts.overrides++; expect(source).toBe("manual"); }
        const day = parseDay(end);
        if (day < (latest.get(id) ?? -Infinity)) { counts.backDated++; backDatedKeys.push(key); }
        latest.set(id, Math.max(day, latest.get(id) ?? -Infinity));
      }
      const { duplicates, conflicts, unknownMeter, backDated, overrides } = t.m.rows;
      expect(counts).toEqual({ duplicates, conflicts, unknownMeter, backDated, overrides });
      // A back-dated reading is late, not a second copy: its meter and day appear once only.
      for (const key of backDatedKeys) expect(valid().filter((r) => `${r.fields[0]} ${r.fields[1]}` === key)).toHaveLength(1);
      const withReadings = new Set(valid().map((r) => r.fields[0]));
      const initial = [...t.registry.values()].filter((m) => m.fields.last_reading === "" && withReadings.has(m.id));
      expect(initial.length).toBe(t.m.rows.initial);
      expect(t.m.scenarios.filter((s) => s.kind === "initial").map((s) => s.meterId).sort()).toEqual(initial.map((m) => m.id).sort());
    });

    it("lists every scenario kind, each pointing at rows of its meter and day", () => {
      const kinds = new Set(t.m.scenarios.map((s) => s.kind));
      expect([...kinds].sort()).toEqual(KINDS);
      for (const s of t.m.scenarios) {
        if (s.kind === "hierarchy") { expect(s.lines).toEqual([]); continue; }
        expect(s.lines.length, `${s.kind} ${s.meterId}`).toBeGreaterThan(0);
        for (const line of s.lines) {
          const row = t.byLine.get(line)!;
          expect(row.fields[0].startsWith(s.meterId), `${s.kind} line ${line}`).toBe(true);
          const dateIsBad = s.expect.reason === "bad_date" || s.expect.reason === "future_date" || s.expect.reason === "column_count";
          if (s.kind !== "vacant" && !dateIsBad) expect(row.fields[1]).toBe(s.day);
        }
      }
    });

    it("orders rows by day then meter, except the back-dated rows", () => {
      const late = new Set(t.m.scenarios.filter((s) => s.kind === "back_dated").flatMap((s) => s.lines));
      let prev = "";
      const outOfOrder: number[] = [];
      for (const r of valid()) {
        if (late.has(r.line)) continue;
        const key = `${r.fields[1]} ${r.fields[0]}`;
        if (key < prev) outOfOrder.push(r.line);
        prev = key;
      }
      expect(outOfOrder).toEqual([]);
      expect(late.size).toBe(t.m.rows.backDated);
    });

    it("keeps registers non-decreasing except at planted rollovers and exchanges", () => {
      const wraps = new Set(t.m.scenarios.filter((s) => s.kind.startsWith("rollover_") || s.kind === "meter_exchange").map((s) => `${s.meterId} ${s.day}`));
      const first = new Map<string, { day: number; value: number }[]>();
      const taken = new Set<string>();
      for (const r of valid()) {
        const key = `${r.fields[0]} ${r.fields[1]}`;
        if (taken.has(key)) continue; // a conflict's second row: checked below
        taken.add(key);
        const list = first.get(r.fields[0]) ?? [];
        list.push({ day: parseDay(r.fields[1]), value: Number(r.fields[2]) });
        first.set(r.fields[0], list);
      }
      let dropped = 0;
      for (const [id, list] of first) {
        const baseline = t.registry.get(id)?.fields.last_reading;
        list.sort((a, b) => a.day - b.day);
        let prev = baseline === undefined || baseline === "" ? -Infinity : Number(baseline);
        for (const { day, value } of list) {
          if (value < prev) {
            dropped++;
            expect(wraps.has(`${id} ${formatDay(day)}`), `${id} day ${day}`).toBe(true);
          }
          prev = value;
        }
      }
      expect(dropped).toBe(wraps.size);
      for (const s of t.m.scenarios.filter((x) => x.kind === "conflict")) {
        const [a, b] = s.lines.map((l) => Number(t.byLine.get(l)!.fields[2]));
        expect(b).toBeLessThan(a);
      }
    });

    it("states flags and consumption that the reference implementation computes", () => {
      const valueOn = new Map<string, string>();
      for (const r of valid()) if (!valueOn.has(`${r.fields[0]} ${r.fields[1]}`)) valueOn.set(`${r.fields[0]} ${r.fields[1]}`, r.fields[2]);
      let checked = 0;
      for (const s of t.m.scenarios) {
        if (s.expect.consumption === undefined || s.kind === "vacant") continue;
        const meter = t.registry.get(s.meterId)!.fields;
        const row = t.byLine.get(s.lines[0])!.fields;
        const end = parseDay(s.day);
        let prevEnd = end - 1;
        let prev = valueOn.get(`${s.meterId} ${formatDay(prevEnd)}`);
        if (prev === undefined) { prev = meter.last_reading; prevEnd = parseDay(meter.last_end); }
        const c = columns();
        c.prev[0] = Number(prev); c.cur[0] = Number(row[2]); c.scale[0] = Number(meter.scaling_factor);
        c.reset[0] = meter.reset_value === "" ? NaN : Number(meter.reset_value);
        c.digits[0] = meter.digits === "" ? 0 : Number(meter.digits);
        c.mode[0] = meter.rollover_mode === "modulus" ? ROLLOVER_MODE.modulus : ROLLOVER_MODE.documented;
        c.override[0] = row[3] === "" ? NaN : Number(row[3]);
        c.prevEnd[0] = prevEnd; c.end[0] = end;
        computeConsumptionReference(c, 1, DEFAULT_MAX_WRAP_SHARE);
        expect(c.consumption[0], `${s.kind} ${s.meterId}`).toBe(s.expect.consumption);
        expect(flagNames(c.flags[0]), `${s.kind} ${s.meterId}`).toEqual(s.expect.flags);
        expect(c.days[0]).toBe(s.expect.days);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(15);
    });

    it("plants hierarchies, vacant meters and verification with zero consumption", () => {
      const total = (id: string): number => {
        const values = valid().filter((r) => r.fields[0] === id).map((r) => Number(r.fields[2]));
        return (Math.max(...values) - Number(t.registry.get(id)!.fields.last_reading)) * Number(t.registry.get(id)!.fields.scaling_factor);
      };
      for (const s of t.m.scenarios.filter((x) => x.kind === "hierarchy")) {
        const children = s.expect.related!;
        expect(children).toHaveLength(3);
        for (const child of children) expect(t.registry.get(child)!.fields.parent_id).toBe(s.meterId);
        const sum = children.reduce((a, id) => a + total(id), 0);
        expect(total(s.meterId)).toBeGreaterThan(sum);
      }
      for (const s of t.m.scenarios.filter((x) => x.kind === "vacant")) {
        const values = new Set(s.lines.map((l) => t.byLine.get(l)!.fields[2]));
        expect(values.size).toBe(1);
        expect(s.lines.length).toBe(t.m.days);
      }
      for (const s of t.m.scenarios.filter((x) => x.kind === "verification_zero")) {
        expect(t.byLine.get(s.lines[0])!.fields[5]).toBe("true");
      }
    });
  });
}

describe("generateDemoData without bad rows", () => {
  it("writes only valid rows", async () => {
    const m = await generateDemoData({ dir: join(root, "clean"), meters: 120, days: 15, badRows: false });
    const registry = readRegistry(m.files.meters);
    const rows = readCsv(m.files.readings).rows;
    expect(rows.filter((r) => classify(r.fields, registry, parseDay(m.endDay) + 30) !== null)).toEqual([]);
    expect(m.rows.badTotal).toBe(0);
    expect(Object.values(m.rows.bad).every((n) => n === 0)).toBe(true);
    expect(m.scenarios.some((s) => s.kind === "bad_row")).toBe(false);
  });
});

function columns(): ConsumptionColumns {
  return {
    prev: new Float64Array(1), cur: new Float64Array(1), scale: new Float64Array(1), reset: new Float64Array(1),
    digits: new Uint8Array(1), mode: new Uint8Array(1), override: new Float64Array(1), prevEnd: new Int32Array(1),
    end: new Int32Array(1), consumption: new Float64Array(1), flags: new Uint32Array(1), start: new Int32Array(1),
    days: new Int32Array(1), daily: new Float64Array(1),
  };
}
