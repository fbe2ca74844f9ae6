// writeBenchReadings / writeBenchMeters: clean day-major files of the requested size, deterministic.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  benchBaseline, benchMeterId, METERS_HEADER, READINGS_HEADER, writeBenchMeters, writeBenchReadings,
} from "../../../engine/demo/index.js";
import { formatDay, parseDay } from "../../../engine/time/index.js";
import { classify, readCsv, readRegistry } from "./csv.js";

const root = mkdtempSync(join(tmpdir(), "meterflow-bench-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("writeBenchReadings", () => {
  it("writes meters x days rows in day-major order with increasing registers", async () => {
    const path = join(root, "r.csv");
    const out = await writeBenchReadings({ path, meters: 1000, readings: 5000, seed: 5, startDay: "2026-10-01" });
    expect(out).toEqual({ path, bytes: statSync(path).size, rows: 5000 });
    const csv = readCsv(path);
    expect(csv.header.join(",")).toBe(READINGS_HEADER);
    expect(csv.rows).toHaveLength(5000);
    const first = parseDay("2026-10-01");
    const last = new Map<string, number>();
    const registry = readRegistry(await writeBenchMetersTo(join(root, "m.csv"), 1000, 5));
    const bad: number[] = [];
    csv.rows.forEach((row, i) => {
      const [id, end, value, override, source, verification] = row.fields;
      const meter = i % 1000;
      if (id !== benchMeterId(meter, 1000) || end !== formatDay(first + Math.floor(i / 1000))) bad.push(row.line);
      if (override !== "" || source !== "auto" || verification !== "") bad.push(row.line);
      if (classify(row.fields, registry, first + 100) !== null) bad.push(row.line);
      const v = Number(value);
      const prev = last.get(id) ?? benchBaseline(5, meter);
      if (!(Number.isInteger(v) && v >= prev)) bad.push(row.line);
      last.set(id, v);
    });
    expect(bad).toEqual([]);
    // The registers move: most meters consume something over five days.
    const moved = [...last].filter(([id, v]) => v > benchBaseline(5, Number(id.slice(2)) - 1)).length;
    expect(moved).toBeGreaterThan(950);
  });

  it("ends with a partial day when readings is not a multiple of meters", async () => {
    const path = join(root, "partial.csv");
    await writeBenchReadings({ path, meters: 300, readings: 1000 });
    const rows = readCsv(path).rows;
    expect(rows).toHaveLength(1000);
    expect(rows.filter((r) => r.fields[1] === "2026-09-04").map((r) => r.fields[0])).toEqual(
      Array.from({ length: 100 }, (_, i) => benchMeterId(i, 300)),
    );
  });

  it("is deterministic for a seed and spans chunks", async () => {
    const a = join(root, "a.csv");
    const b = join(root, "b.csv");
    const c = join(root, "c.csv");
    const big = { meters: 20_000, readings: 400_000, seed: 9 }; // ~14 MB: several 4 MiB chunks
    await writeBenchReadings({ path: a, ...big });
    await writeBenchReadings({ path: b, ...big });
    await writeBenchReadings({ path: c, ...big, seed: 10 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
    const text = readFileSync(a, "latin1");
    const lines = text.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(400_002);
    expect(lines.every((l, i) => i === 0 || l === "" || /^[EGWH]-\d{6},2026-(09|10)-\d\d,\d+,,auto,$/.test(l))).toBe(true);
    expect(lines[400_000].startsWith(`${benchMeterId(19_999, 20_000)},2026-09-20,`)).toBe(true);
  });

  it("widens ids beyond a million meters and rejects bad options", async () => {
    expect(benchMeterId(1_234_566, 2_000_000)).toBe("W-1234567");
    await expect(writeBenchReadings({ path: join(root, "x.csv"), meters: 0, readings: 1 })).rejects.toThrow(/meters/);
    await expect(writeBenchReadings({ path: join(root, "x.csv"), meters: 1, readings: -1 })).rejects.toThrow(/readings/);
    await expect(writeBenchReadings({ path: join(root, "no/such/dir/x.csv"), meters: 1, readings: 1 })).rejects.toThrow(/ENOENT/);
  });
});

describe("writeBenchMeters", () => {
  it("writes the registry of the bench meters with baselines the day before", async () => {
    const path = join(root, "meters.csv");
    const out = await writeBenchMeters({ path, meters: 1000, seed: 5, startDay: "2026-10-01" });
    expect(out).toEqual({ path, bytes: statSync(path).size, rows: 1000 });
    const csv = readCsv(path);
    expect(csv.header.join(",")).toBe(METERS_HEADER);
    expect(csv.rows.map((r) => r.fields[0])).toEqual(Array.from({ length: 1000 }, (_, i) => benchMeterId(i, 1000)));
    expect(csv.rows.every((r) => r.fields.length === 14)).toBe(true);
    expect(csv.rows[2].fields.slice(0, 3)).toEqual(["W-000003", "water.register", "m3"]);
    expect(csv.rows[7].fields.slice(-2)).toEqual([String(benchBaseline(5, 7)), "2026-09-30"]);
    await writeBenchMeters({ path, meters: 10, baselines: false });
    expect(readCsv(path).rows.every((r) => r.fields[12] === "" && r.fields[13] === "")).toBe(true);
  });
});

async function writeBenchMetersTo(path: string, meters: number, seed: number): Promise<string> {
  await writeBenchMeters({ path, meters, seed, startDay: "2026-10-01" });
  return path;
}
