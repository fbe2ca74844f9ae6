// `meterflow run` starts decoding its first file before it has loaded (engine/cli/early-decoder.ts):
// the decoding thread must read the registry the run imports, not the one the store held before.
// The run is held (a failpoint) after it recorded itself and before it imports `--meters`, long
// enough for the decoding thread to decode the file. The new registry adds meters and register
// limits: the new meters' readings must be billed against their baselines (a thread that read
// the store before the import would find no registry slot for them: unknown meters), and the
// readings beyond the new limits rejected.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, readCsv, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const ids = Array.from({ length: 700 }, (_, i) => `E-${i}`);
/** Every 7th meter gets a 4-digit register in the second registry. */
const limited = (i: number) => i % 7 === 0;

describe("meterflow run with threads, registry imported in the same run", () => {
  it("decodes early, and checks register limits against the registry it imports, not the stored one", async () => {
    const db = join(dir, "state.db");
    const known = ids.slice(0, 500);
    const first = write(dir, "meters-1.csv", [METERS_HEADER, ...known.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`)]);
    const day1 = write(dir, "day1.csv", ["meter_id,end,value", ...known.map((id, i) => `${id},2026-11-01,${1000 + i}`)]);
    const run1 = spawnSync(process.execPath, [BIN, "run", "--quiet", "--meters", first, "--db", db, "--out", join(dir, "out1"), day1], { encoding: "utf8" });
    expect(run1.status, run1.stderr).toBe(0);

    const second = write(dir, "meters-2.csv", [METERS_HEADER, ...ids.map((id, i) => `${id},electricity.register,kWh,1,,${limited(i) ? 4 : ""},,,,,,,1000,2026-10-31`)]);
    const day2 = write(dir, "day2.csv", ["meter_id,end,value", ...ids.map((id, i) => `${id},2026-11-02,${limited(i) ? 10_000 + i : 1100 + i}`)]);
    const release = join(dir, "release");
    const out = join(dir, "out2");
    const child = spawn(process.execPath, [BIN, "run", "--quiet", "--threads", "2", "--batch-size", "100", "--meters", second, "--db", db, "--out", out, day2],
      { env: { ...process.env, MF_FAILPOINT_HOLD_UNTIL_FILE: release }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // Held once it has recorded its run (before its registry import): the decoding thread has time to decode the file.
    for (;;) {
      const running = (() => {
        const d = new Database(db, { readonly: true, fileMustExist: true });
        try {
          return d.prepare("SELECT count(*) FROM runs WHERE status = 'running'").pluck().get() as number;
        } finally {
          d.close();
        }
      })();
      if (running > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(release, "");
    expect(await exited, stderr).toBe(0);
    expect(existsSync(join(out, "summary.json"))).toBe(true);
    const rejected = readCsv(join(out, "rejected.csv")).map((r) => [r.meter_id, r.reason]).sort();
    expect(rejected).toEqual(ids.filter((_id, i) => limited(i)).map((id) => [id, "value_exceeds_register"]).sort());
    expect(readCsv(join(out, "held.csv"))).toEqual([]);
    expect(readCsv(join(out, "billing.csv")).map((r) => r.meter_id).sort()).toEqual(ids.filter((_id, i) => !limited(i)).sort());
  }, 60_000);
});
