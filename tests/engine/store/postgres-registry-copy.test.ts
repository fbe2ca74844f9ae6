// The registry's binary COPY stream written from a RegistryTable's columns (constant columns
// encoded once, the rest row by row, ids from the arena) is the stream the generic codec writes
// for the same rows cell by cell, and reads back as the records; without a server.
import { describe, expect, it } from "vitest";
import type { MeterRecord } from "../../../engine/meters/meter.js";
import { RegistryTable } from "../../../engine/meters/registry-table.js";
import { bucketOf } from "../../../engine/store/contract.js";
import { encodeCopy, readCopyRows } from "../../../engine/store/postgres/copy.js";
import type { CopyKind, CopyValue } from "../../../engine/store/postgres/copy.js";
import { encodeRegistryCopy } from "../../../engine/store/postgres/registry-copy.js";
import type { RegistryKind } from "../../../engine/store/postgres/registry-copy.js";
import { mulberry32 } from "../../helpers/random.js";
import { meter } from "./contract-fixtures.js";

const FIELDS: Array<[keyof MeterRecord, RegistryKind]> = [
  ["type", "text"], ["unit", "text"], ["scalingFactor", "float"], ["resetValue", "float"], ["digits", "int"], ["rolloverMode", "text"],
  ["parentId", "text"], ["unitPrice", "float"], ["basicFeePerDay", "float"], ["costCenter", "text"], ["glAccount", "text"],
  ["lastReading", "float"], ["lastEnd", "int"], ["pulseWeight", "float"], ["pulseInput", "text"], ["pulseWidthMs", "float"],
  ["qmax", "float"], ["noPulseDays", "float"], ["debounceMs", "float"],
];
const KINDS = FIELDS.map(([, kind]) => kind);
const ALL: CopyKind[] = ["text", "int", "int", ...KINDS];
const PARTITIONS = 3;

function records(seed: number, n: number): MeterRecord[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  // A fleet: most columns shared, a few varying (seed decides which), some meters odd.
  const varying = new Set(FIELDS.map(([field]) => field).filter(() => rand() < 0.4));
  const value = (field: keyof MeterRecord): unknown => {
    switch (field) {
      case "type": return pick(["electricity.register", "water.pulse", "電.register", ""]);
      case "unit": return pick(["kWh", "m³", ""]);
      case "scalingFactor": return pick([1, 2.5, -0, 1e300]);
      case "digits": case "lastEnd": return pick([null, 5, -7, 2 ** 31 - 1]);
      case "rolloverMode": return pick(["documented", "modulus"]);
      case "pulseInput": return pick([null, "s0a", "reed"]);
      case "parentId": case "costCenter": case "glAccount": return pick([null, "P-1", "Kostenstelle-Ä", "x".repeat(300)]);
      default: return pick([null, 0, 0.1, -3.5, 1e21]);
    }
  };
  const shared = Object.fromEntries(FIELDS.map(([field]) => [field, value(field)]));
  return Array.from({ length: n }, (_, i) => meter(rand() < 0.1 ? `Zähler-${i}` : `M-${i}`,
    Object.fromEntries(FIELDS.map(([field]) => [field, varying.has(field) ? value(field) : shared[field]])) as Partial<MeterRecord>));
}

const cells = (rows: readonly MeterRecord[]): CopyValue[][] => rows.map((r) => {
  const bucket = bucketOf(r.meterId, PARTITIONS);
  return [r.meterId, bucket % PARTITIONS, bucket, ...FIELDS.map(([field]) => r[field] as CopyValue)];
});

describe("registry COPY from columns", () => {
  it("is the cell-by-cell stream of the same rows", async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rows = records(seed, seed * 37);
      const table = RegistryTable.fromRecords(rows);
      const constant = FIELDS.map(([field]) => table[field as "type"].data === null);
      const columnar = Buffer.concat([...encodeRegistryCopy(table, KINDS, constant, PARTITIONS)]);
      const expected = cells(rows);
      expect(columnar, `seed ${seed}`).toEqual(Buffer.concat([...encodeCopy(ALL, rows.length, (r, c) => expected[r][c])]));
      const chunks = async function* () {
        yield columnar;
      };
      expect(await readCopyRows(chunks(), ALL)).toEqual(expected);
    }
  });
});
