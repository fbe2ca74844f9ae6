// The run's working set (runtime/working-set.ts): every loaded meter's registry columns equal its
// bucket's registry as stored, whatever order its buckets are loaded in. Columns no loaded bucket
// gives a value (pulse settings of a register fleet, register limits) share one NaN column until
// a bucket gives one; this checks they are right before and after, and never alias a column
// that holds values.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WorkingSet } from "../../../engine/runtime/working-set.js";
import { decodeRegistry } from "../../../engine/store/bucket.js";
import { openStore } from "../../../engine/store/open.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const HEADER = "meter_id,type,unit,pulse_weight,pulse_input,qmax,no_pulse_days,pulse_width_ms,digits,reset_value,last_reading,last_end";
const NUMERIC = ["scale", "reset", "digits", "mode", "pulseWeight", "pulseInput", "pulseWidthMs", "qmax", "noPulseDays", "debounceMs",
  "baseValue", "baseEnd"] as const;

/** 2,000 register meters (every 9th with a baseline) and 40 pulse meters, some with limits. */
const registers = Array.from({ length: 2000 }, (_, i) => `E-${i},electricity.register,kWh,,,,,,${i % 50 === 7 ? 5 : ""},,${i % 9 === 0 ? `${i},2026-10-31` : ","}`);
const pulses = Array.from({ length: 40 }, (_, i) => `W-${i},water.pulse,m3,0.0${1 + (i % 5)},s0a,${i % 3 === 0 ? 2.5 : ""},${i % 4 === 0 ? 3 : ""},${i % 2 === 0 ? 40 : ""},,,,`);

describe("WorkingSet", () => {
  it("holds each loaded meter's registry columns as stored, register-only buckets first, then the rest", async () => {
    const meters = write(dir, "meters.csv", [HEADER, ...registers, ...pulses]);
    const db = join(dir, "ws.db");
    await runAndRead({ meters, inputs: [write(dir, "none.csv", ["meter_id,end,value"])], db, out: join(dir, "out") });
    const store = await openStore(db);
    try {
      const ws = new WorkingSet(store);
      const stored = new Map((await store.readBuckets([...Array(ws.bucketCount).keys()])).map((r) => [r.bucket, decodeRegistry(r.registry)]));
      const check = () => {
        for (let key = 0; key < ws.size; key++) {
          const bucket = ws.bucketOfKey(key);
          const reg = stored.get(bucket)!;
          const slot = key - ws.bucketKeys(bucket)!.first;
          expect(ws.meters.ids.get(key)).toBe(reg.ids[slot]);
          for (const name of NUMERIC) expect(ws.meters[name][key], `${reg.ids[slot]} ${name}`).toStrictEqual(reg[name][slot]);
        }
      };
      // Buckets of register meters only: no pulse setting and no register limit given yet.
      const pulseBuckets = new Set(pulses.map((line) => ws.bucketOf(line.split(",")[0])));
      const limitBuckets = new Set(registers.filter((line) => line.split(",")[8] !== "").map((line) => ws.bucketOf(line.split(",")[0])));
      const plain = [...stored.keys()].filter((b) => !pulseBuckets.has(b) && !limitBuckets.has(b));
      await ws.loadBuckets(plain.slice(0, 40));
      expect(ws.meters.pulseWeight).toBe(ws.meters.qmax);
      check();
      // Then every bucket: pulse settings and digits arrive in some, the columns that got values are their own.
      await ws.loadBuckets(stored.keys());
      check();
      expect(ws.size).toBe(registers.length + pulses.length);
      expect(ws.meters.pulseWeight).not.toBe(ws.meters.qmax);
      expect(ws.meters.baseValue).not.toBe(ws.meters.reset);
      expect(ws.meters.pulseWeight.some((w) => w === w)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
