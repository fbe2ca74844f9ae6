// The writer thread checkpoints as it commits (WRITER_WAL_PAGES), so the WAL stays small during a
// run and the close does not copy the whole night's WAL into the database file at the end. Seen
// from outside, as a run does it: the size of the -wal file after each batch, with the writer's
// checkpoints and without (0 pages: SQLite's checkpoint only on close). The threaded writer runs
// from the compiled package only, so this test runs dist/.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import type * as RunModule from "../../../engine/runtime/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const METERS = 20_000;
const DAYS = 8;

function writeInputs(): { meters: string; readings: string } {
  const id = (i: number) => `W-${String(i).padStart(6, "0")}`;
  const meters = join(dir, "meters.csv");
  const readings = join(dir, "readings.csv");
  const m = ["meter_id,type,unit"];
  for (let i = 0; i < METERS; i++) m.push(`${id(i)},electricity.register,kWh`);
  writeFileSync(meters, m.join("\n") + "\n");
  const r = ["meter_id,end,value"];
  for (let d = 0; d < DAYS; d++) for (let i = 0; i < METERS; i++) r.push(`${id(i)},2026-11-${String(10 + d)},${1000 + d * 7 + (i % 13)}`);
  writeFileSync(readings, r.join("\n") + "\n");
  return { meters, readings };
}

describe("the writer thread's WAL checkpoints", () => {
  it("keep the WAL small while a run commits; without them it grows with the run", async () => {
    const { runFiles } = (await import(pathToFileURL(join(packageRoot(), "dist", "engine", "runtime", "run.js")).href)) as typeof RunModule;
    const { meters, readings } = writeInputs();
    const largestWal = async (name: string, writerWalPages: number) => {
      const db = join(dir, `${name}.db`);
      let largest = 0;
      const summary = await runFiles({
        db, out: join(dir, name), meters, inputs: [readings], threads: true, batchSize: METERS, writerWalPages, now: new Date("2026-12-01T00:00:00Z"),
        onProgress: () => {
          if (existsSync(`${db}-wal`)) largest = Math.max(largest, statSync(`${db}-wal`).size);
        },
      });
      expect(summary.billable + summary.held).toBe(METERS * DAYS);
      return largest;
    };
    const never = await largestWal("never", 0);
    const often = await largestWal("often", 4);
    // Without the writer's checkpoints every batch's pages stay in the WAL until the close (here
    // 5 MB after the first batch, then 1.8-2 MB more a batch: 17.8 MB); with them the file
    // stops growing once a checkpoint has copied it (it is reused from its start: 6.8 MB).
    expect(never).toBeGreaterThan(12 << 20);
    expect(often).toBeLessThan(never / 2);
  });
});
