// Two uploads of one logger's channel values for the same day are two batches: a batch's id names
// its sensor values and their instants too, so the second is judged, not taken for the first one
// committed again (it was: same meters, days and lines, so the same id, and its alerts were lost).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const config = join(dir, "meterflow.config.json");
writeFileSync(config, JSON.stringify({ plugins: ["meterflow-cold-chain"] }));
const meters = write(dir, "meters.csv", ["meter_id", "TRUCK-1"]);

describe("sensor uploads of one day in two runs", () => {
  for (const layout of ["wide", "channel rows"] as const) {
    it(`judges the second upload (${layout})`, async () => {
      const header = layout === "wide" ? "meter_id,end,temperature" : "meter_id,end,channel,value";
      const row = (time: string, t: number) => (layout === "wide" ? `TRUCK-1,2026-11-03T${time}Z,${t}` : `TRUCK-1,2026-11-03T${time}Z,temperature,${t}`);
      const db = join(dir, `${layout}.db`);
      const first = write(dir, `${layout}-1.csv`, [header, row("00:00:00", 5), row("00:10:00", 5)]);
      const second = write(dir, `${layout}-2.csv`, [header, row("01:00:00", 9), row("01:45:00", 9)]);
      const a = await runAndRead({ meters, inputs: [first], db, out: join(dir, `${layout}-o1`), config });
      expect(a.summary).toMatchObject({ in: 2, sensor: 2, duplicates: 0 });
      const out = join(dir, `${layout}-o2`);
      const b = await runAndRead({ inputs: [second], db, out, config });
      expect(b.summary).toMatchObject({ in: 2, sensor: 2, duplicates: 0, balanced: true });
      expect(readCsv(join(out, "alerts.csv")).map((x) => [x.meter_id, x.channel, x.rule])).toEqual([["TRUCK-1", "temperature", "meterflow-cold-chain/too-warm"]]);
      // The same upload again is the batch committed before: nothing new.
      const again = join(dir, `${layout}-o3`);
      const c = await runAndRead({ inputs: [second], db, out: again, config });
      expect(c.summary).toMatchObject({ in: 2 });
      expect(readCsv(join(again, "alerts.csv"))).toEqual([]);
    });
  }
});
