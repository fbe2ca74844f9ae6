// The columnar CSV registry reader (engine/meters/registry-csv.ts, behind readMeters and
// readRegistry) against the row reader it replaced: every CSV record decoded to strings and
// judged by toMeterRecord with a Set of seen ids. Over random files (columns in any order and
// subset, quotes and "" escapes, non-ASCII bytes, CRLF, a BOM, malformed lines, every kind of
// good and bad value, meter types with odd defaults and other units, small field limits) both
// give the same records and the same rejections (line, id, reason, raw text).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CsvTokenizer, readChunks, openFile } from "../../../engine/ingest/index.js";
import { readMeters, readRegistry } from "../../../engine/meters/index.js";
import type { MeterRecord, MeterTypeLookup, RegistryRejection } from "../../../engine/meters/index.js";
import { FIELDS, meterIdOf, toMeterRecord } from "../../../engine/meters/registry-row.js";
import type { FieldGetter } from "../../../engine/meters/registry-row.js";
import { meterHash } from "../../../engine/store/contract.js";
import type { MeterTypeDefinition } from "../../../sdk/index.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-registry-csv-");
let files = 0;

/** The row reader as it was: strings per field, toMeterRecord per row, a Set of seen ids. */
async function rowReader(path: string, maxField: number, meterTypes?: MeterTypeLookup): Promise<{ meters: MeterRecord[]; rejected: RegistryRejection[] }> {
  const meters: MeterRecord[] = [];
  const rejected: RegistryRejection[] = [];
  const seen = new Set<string>();
  const tok = new CsvTokenizer({ maxRecordBytes: 64 * 1024 });
  let columns: Map<string, number> | null = null;
  let width = 0;
  const get: FieldGetter = (name) => {
    const i = columns?.get(name);
    return i === undefined ? undefined : tok.fieldString(i);
  };
  const drain = () => {
    while (tok.next()) {
      if (columns === null) {
        columns = new Map();
        for (let i = 0; i < tok.count; i++) if ((FIELDS as readonly string[]).includes(tok.fieldString(i))) columns.set(tok.fieldString(i), i);
        width = tok.count;
      } else if (tok.malformed) {
        let longest = 0;
        for (let i = 0; i < tok.count; i++) longest = Math.max(longest, tok.fieldEnd[i] - tok.fieldStart[i]);
        const i = columns.get("meter_id") ?? tok.count;
        const id = tok.overlong && i < tok.count - 1 && tok.fieldEnd[i] - tok.fieldStart[i] <= maxField ? tok.fieldString(i) : "";
        rejected.push({ line: tok.line, meterId: id, reason: tok.overlong && longest > maxField ? "field_too_long" : "malformed_record", raw: tok.rawString() });
      } else if (tok.count !== width) {
        const i = columns.get("meter_id") ?? width;
        rejected.push({ line: tok.line, meterId: i < tok.count ? tok.fieldString(i) : "", reason: "column_count", raw: tok.rawString() });
      } else {
        const result = toMeterRecord(get, seen, maxField, meterTypes);
        if (typeof result === "string") rejected.push({ line: tok.line, meterId: meterIdOf(get), reason: result, raw: tok.rawString() });
        else meters.push(result);
      }
    }
  };
  const handle = await openFile(path);
  try {
    for await (const chunk of readChunks(handle.createReadStream({ highWaterMark: 4096 }), path)) {
      tok.push(chunk);
      drain();
    }
  } finally {
    await handle.close();
  }
  tok.finish();
  drain();
  return { meters, rejected };
}

const TYPES: MeterTypeDefinition[] = [
  { name: "electricity.register", unit: "kWh", description: "", kind: "register", defaults: { scalingFactor: 1, rolloverMode: "documented" } },
  { name: "gas.register", unit: "m3", description: "", kind: "register", defaults: { scalingFactor: 0.5, digits: 5, rolloverMode: "modulus" } },
  { name: "bare.register", unit: "kWh", description: "", kind: "register" },
  { name: "water.pulse", unit: "m3", description: "", kind: "pulse", defaults: { pulseWeight: 0.001, pulseInput: "reed", qmax: 3.125, noPulseDays: 30 } },
  { name: "heat.pulse", unit: "kWh", description: "", kind: "pulse", defaults: { pulseWeight: 1, debounceMs: 12, pulseWidthMs: 40 } },
  // Defaults a plugin should not have: they are judged like a row's own values.
  { name: "odd.register", unit: "kWh", description: "", kind: "register", defaults: { digits: 30, rolloverMode: "sideways" as "modulus" } },
  { name: "odd.pulse", unit: "l", description: "", kind: "pulse", defaults: { pulseWeight: -1, pulseInput: "xyz" as "s0a", noPulseDays: 0.5 } },
];
const lookup: MeterTypeLookup = (name) => TYPES.find((t) => t.name === name);

const NUMBERS = ["", "1", "2.5", "-1", "0", "-0", "1e3", ".5", "1.", " 7", "7 ", "abc", "Infinity", "-inf", "NaN", "1e400", "12345678901234567",
  "0x10", "+3", "3.0", "1e-7", "4.2E+2", "١", "1_000"];
const POOLS: Record<string, string[]> = {
  meter_id: ["M-1", "M-2", "M-3", "M-4", "M-5", "M-6", "P-9", "", " M-1", "é-1", "E\u0301", "12345", "x".repeat(257), "ü".repeat(130)],
  type: ["", "electricity.register", "gas.register", "bare.register", "water.pulse", "heat.pulse", "odd.register", "odd.pulse", "unknown.kind", "x.pulse"],
  unit: ["", "kWh", "m3", "l", "MWh", "kWh "],
  scaling_factor: NUMBERS,
  reset_value: [...NUMBERS, "1000", "99999", "100000"],
  digits: ["", "5", "0", "23", "22", "1.5", "6", "5.0", "x"],
  rollover_mode: ["", "documented", "modulus", "Modulus", " modulus", "doc"],
  parent_id: ["", "M-1", "P-9", "M-2", "ü-2"],
  unit_price: NUMBERS,
  basic_fee_per_day: NUMBERS,
  cost_center: ["", "CC-1", "Ä-7", "4711", "a\"b", "z".repeat(40), "CC,2"],
  gl_account: ["", "4000", "GL-1", "\u2028"],
  last_reading: ["", "", "100", "-5", "99999", "abc", "0", "00145", "1e3", "100000", "-0"],
  last_end: ["", "", "2026-10-31", "2026-02-30", "2026-10-31T23:30:00-01:00", "2026-10-31 12:00", "yesterday", "2026-1-3",
    `2026-10-31T00:00:00.${"0".repeat(60)}Z`, "2024-02-29", "٢٠٢٦-10-31"],
  pulse_weight: [...NUMBERS, "0.001", "10"],
  pulse_input: ["", "s0a", "s0b", "namur", "reed", "toString", "__proto__", "S0A"],
  pulse_width_ms: NUMBERS,
  qmax: NUMBERS,
  no_pulse_days: ["", "1", "3", "0", "1.5", "-2", "30"],
  debounce_ms: NUMBERS,
};

const PULSE: readonly string[] = ["pulse_weight", "pulse_input", "pulse_width_ms", "qmax", "no_pulse_days", "debounce_ms"];

/** Values that pass (mostly): a row takes one of these for a field more often than not. */
const GOOD: Record<string, string[]> = {
  type: ["", "electricity.register", "gas.register", "water.pulse"],
  unit: ["", "kWh", "m3"],
  scaling_factor: ["", "1", "2.5", "0.001"],
  reset_value: ["", "1000000", "99999999"],
  digits: ["", "7", "8"],
  rollover_mode: ["", "documented", "modulus"],
  parent_id: ["", "P-9"],
  unit_price: ["", "0.31", "12", "-0"],
  basic_fee_per_day: ["", "0.2"],
  cost_center: ["", "CC-1", "4711"],
  gl_account: ["", "4000"],
  last_reading: ["", "100", "0", "00145", "-0"],
  last_end: ["", "2026-10-31", "2026-10-31T23:30:00-01:00"],
  pulse_weight: ["", "0.001"],
  pulse_input: ["", "s0a", "namur"],
  pulse_width_ms: ["", "30"],
  qmax: ["", "5"],
  no_pulse_days: ["", "3"],
  debounce_ms: ["", "10"],
};

/** A random registry file's text. */
function randomRegistry(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  // A third of the files have no pulse column (register fleets), as most registries.
  const pulseless = rand() < 0.33;
  const names = FIELDS.filter((name) => name === "meter_id" || (rand() < 0.6 && !(pulseless && PULSE.includes(name))));
  if (rand() < 0.5) names.push("comment" as (typeof FIELDS)[number]);
  names.sort(() => rand() - 0.5);
  const eol = rand() < 0.3 ? "\r\n" : "\n";
  const quote = (v: string) => {
    const q = v.includes(",") || v.includes('"') || v.includes("\n") || rand() < 0.05;
    return q ? `"${v.replaceAll('"', '""')}"` : v;
  };
  const lines = [names.join(",")];
  const rows = 50 + Math.floor(rand() * 300);
  const plain = rand() < 0.5;
  for (let r = 0; r < rows; r++) {
    const x = rand();
    if (x < 0.01) {
      lines.push(`M-${r},"unclosed`);
      continue;
    }
    if (x < 0.02) {
      lines.push(names.slice(1).map(() => "1").join(","));
      continue;
    }
    if (x < 0.03) {
      lines.push("");
      continue;
    }
    const fields = names.map((name) => {
      if (name === "meter_id" && rand() < 0.9) return rand() < 0.97 ? `M-${r}` : `M-${Math.floor(rand() * rows)}`;
      const pool = (rand() < 0.85 ? GOOD[name] : undefined) ?? POOLS[name] ?? ["", "note", "ünïcode", "a,b"];
      let v = pick(pool);
      // Mostly plain rows, so the byte path is what is compared.
      if (plain && /[^\x20-\x7e]/.test(v)) v = "";
      return quote(v);
    });
    lines.push(fields.join(","));
  }
  const text = lines.join(eol) + (rand() < 0.8 ? eol : "");
  return (rand() < 0.2 ? "\uFEFF" : "") + text;
}

describe("CSV registry: the byte path and the row reader agree", () => {
  for (const seed of seeds(20261204)) {
    it(`random registries (seed ${seed})`, async () => {
      const rand = mulberry32(seed);
      let accepted = 0;
      const reasons = new Set<string>();
      for (let round = 0; round < 40; round++) {
        const path = join(dir, `r${files++}.csv`);
        writeFileSync(path, randomRegistry(rand));
        const maxFieldBytes = rand() < 0.3 ? 8 + Math.floor(rand() * 30) : 1024;
        const meterTypes = rand() < 0.7 ? lookup : undefined;
        const expected = await rowReader(path, maxFieldBytes, meterTypes);
        const actual = await readMeters(path, { maxFieldBytes, meterTypes });
        expect(actual.rejected, `seed ${seed} round ${round}`).toEqual(expected.rejected);
        expect(actual.meters, `seed ${seed} round ${round}`).toEqual(expected.meters);
        accepted += actual.meters.length;
        for (const r of actual.rejected) reasons.add(r.reason);
      }
      // The files exercise both outcomes: many meters read, most reasons met.
      expect(accepted).toBeGreaterThan(500);
      expect(reasons.size).toBeGreaterThanOrEqual(15);
    });
  }

  it("the table holds each meter's id as UTF-8 bytes with its meterHash", async () => {
    const path = join(dir, "ids.csv");
    writeFileSync(path, "meter_id,unit\nA-1,kWh\n\"B\"\"2\",kWh\nÜ-3,kWh\nA-1,m3\n");
    const { table, rejected } = await readRegistry(path);
    expect(table.length).toBe(3);
    expect(rejected.map((r) => r.reason)).toEqual(["duplicate_meter_id"]);
    for (let i = 0; i < table.length; i++) {
      const id = table.id(i);
      expect(table.hash[i]).toBe(meterHash(id));
      expect(table.arena.subarray(table.idStart[i], table.idEnd[i])).toEqual(Buffer.from(id, "utf8"));
    }
    expect([0, 1, 2].map((i) => table.id(i))).toEqual(["A-1", 'B"2', "Ü-3"]);
  });

  it("finds repeated ids in ascending files, and after the order breaks", async () => {
    const path = join(dir, "order.csv");
    const ids = ["A", "B", "B", "C", "D", "B", "E", "A", "AA", "F", "AA", "C", "G"];
    writeFileSync(path, `meter_id\n${ids.join("\n")}\n`);
    const { meters, rejected } = await readMeters(path);
    expect(meters.map((m) => m.meterId)).toEqual(["A", "B", "C", "D", "E", "AA", "F", "G"]);
    expect(rejected.map((r) => [r.line, r.meterId, r.reason])).toEqual(
      [[4, "B", "duplicate_meter_id"], [7, "B", "duplicate_meter_id"], [9, "A", "duplicate_meter_id"], [12, "AA", "duplicate_meter_id"],
        [13, "C", "duplicate_meter_id"]]);
  });

  it("hands readRegistry's caller every byte of the file, BOM included", async () => {
    const path = join(dir, "bytes.csv");
    const text = "\uFEFFmeter_id\nA\nB\n";
    writeFileSync(path, text);
    const seen: Buffer[] = [];
    await readRegistry(path, {}, { onBytes: (chunk) => seen.push(Buffer.from(chunk)) });
    expect(Buffer.concat(seen).toString("utf8")).toBe(text);
  });

  it("agrees with the row reader over a registry of several 1 MiB chunks (the window reusing its storage)", async () => {
    const rand = mulberry32(77);
    const lines = ["meter_id,type,unit,scaling_factor,digits,parent_id,cost_center,last_reading,last_end"];
    for (let r = 0; r < 120_000; r++) {
      const x = rand();
      if (x < 0.001) {
        lines.push(`M-${r},"unclosed`);
        continue;
      }
      const id = x < 0.01 ? `M-${Math.floor(rand() * r)}` : x < 0.02 ? `"M ""${r}"", quoted"` : `M-${r}`;
      const type = x < 0.5 ? "electricity.register" : "gas.register";
      lines.push(`${id},${type},${x < 0.5 ? "kWh" : "m3"},${x < 0.9 ? 1 : 0.5},${x < 0.3 ? 6 : ""},${x < 0.2 ? `M-${r + 1}` : ""},`
        + `${x < 0.1 ? "Zähler-Kostenstelle" : "CC-1"},${x < 0.5 ? 1000 + r : ""},${x < 0.5 ? "2026-11-28" : ""}`);
    }
    const path = join(dir, "chunks.csv");
    writeFileSync(path, lines.join("\n") + "\n");
    const expected = await rowReader(path, 1024, lookup);
    const actual = await readMeters(path, { meterTypes: lookup });
    expect(actual.meters.length).toBeGreaterThan(110_000);
    expect(actual.rejected.length).toBeGreaterThan(100);
    expect(actual.rejected).toEqual(expected.rejected);
    expect(actual.meters).toEqual(expected.meters);
  });

  it("holds more meters than its size guess (short lines), with their fields, in order and out of it", async () => {
    // ~8 bytes a line: the reader's guess (one row per 32 bytes) is a quarter of the rows, so
    // every column, the id arena and the id set grow past their first room.
    const n = 40_000;
    const rows = Array.from({ length: n }, (_, i) => `${(i * 7919) % n},${i % 5 === 0 ? 3 : ""}`);
    const path = join(dir, "short.csv");
    writeFileSync(path, `meter_id,digits\n${rows.join("\n")}\n${rows[123]}\n`);
    const { table, rejected } = await readRegistry(path);
    expect(table.length).toBe(n);
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([[n + 2, "duplicate_meter_id"]]);
    for (const i of [0, 1, 4999, 5000, 20_000, n - 1]) {
      expect(table.id(i)).toBe(String((i * 7919) % n));
      expect(table.hash[i]).toBe(meterHash(table.id(i)));
      expect(table.digits.get(i)).toBe(i % 5 === 0 ? 3 : Number.NaN);
    }
  });
});
