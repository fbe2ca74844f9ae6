// `--time-zone` on the command line, from the built command: a run decoding in its threads (the
// early decoder, the decoding worker, a decision pool) counts days in the zone asked or the
// store's; a name that is no zone is a usage mistake (exit 2) that creates nothing; `meters import`
// fixes the zone of the store it creates and reads `last_end` in it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const root = tempDir("meterflow-cli-tz-");
let n = 0;
const meterflow = meterflowIn;

function workspace(): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "meters.csv"), "meter_id,type,last_reading,last_end\nE-1,electricity.register,100,2026-10-31T23:30:00Z\nE-2,electricity.register,100,2026-10-31\n");
  const today = new Date();
  const stamp = (days: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 23, 30)).toISOString();
  // 23:30 UTC is the next day in Berlin (UTC+1 or +2) and the same day in UTC.
  writeFileSync(join(dir, "r1.csv"), `meter_id,end,value\nE-1,${stamp(3)},110\nE-2,${stamp(3)},120\n`);
  writeFileSync(join(dir, "r2.csv"), `meter_id,end,value\nE-1,${stamp(2)},115\n`);
  return dir;
}

const dayAfter = (iso: string) => new Date(Date.parse(iso) + 86_400_000).toISOString().slice(0, 10);

describe("meterflow --time-zone", () => {
  it("meters import fixes the zone; runs in threads count days in it, with or without the option", () => {
    const dir = workspace();
    const imported = meterflow(dir, "meters", "import", "--db", "s.db", "--time-zone", "Europe/Berlin", "meters.csv");
    expect(imported.status, imported.stderr).toBe(0);
    const first = meterflow(dir, "run", "--db", "s.db", "--out", "o1", "--threads", "2", "--time-zone", "Europe/Berlin", "--quiet", "r1.csv");
    expect(first.status, first.stderr).toBe(0);
    const billed = readCsv(join(dir, "o1", "billing.csv"));
    const end1 = billed[0].end;
    expect(end1).toBe(dayAfter(readFileSync(join(dir, "r1.csv"), "utf8").split("\n")[1].split(",")[1]));
    // E-1's baseline 2026-10-31T23:30Z is 1 November in Berlin.
    expect(billed.find((r) => r.meter_id === "E-1")!.start).toBe("2026-11-02");
    expect(billed.map((r) => r.end)).toEqual([end1, end1]);
    // Without the option: the store's zone (the early decoder, which assumed UTC, is not used).
    const second = meterflow(dir, "run", "--db", "s.db", "--out", "o2", "--threads", "2", "--quiet", "r2.csv");
    expect(second.status, second.stderr).toBe(0);
    // r2's stamp is a day after r1's, 23:30 UTC: the next day in Berlin.
    const end2 = dayAfter(`${end1}T00:00:00Z`);
    expect(readCsv(join(dir, "o2", "billing.csv")).map((r) => [r.meter_id, r.start, r.end])).toEqual([["E-1", end2, end2]]);
    // Another zone: refused, coded.
    const other = meterflow(dir, "run", "--db", "s.db", "--out", "o3", "--time-zone", "UTC", "r2.csv");
    expect(other.status).toBe(1);
    expect(other.stderr).toContain("MF_ERR_STORE_TIME_ZONE");
    expect(existsSync(join(dir, "o3", "billing.csv"))).toBe(false);
  });

  it("the same night in a UTC store: each stamp on its UTC day", () => {
    const dir = workspace();
    expect(meterflow(dir, "run", "--db", "u.db", "--meters", "meters.csv", "--out", "o1", "--threads", "2", "--quiet", "r1.csv").status).toBe(0);
    const billed = readCsv(join(dir, "o1", "billing.csv"));
    expect(billed.find((r) => r.meter_id === "E-1")!.start).toBe("2026-11-01");
  });

  it("refuses a name that is no zone as a usage mistake, creating nothing", () => {
    const dir = workspace();
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "o", "--time-zone", "Mars/Olympus", "r1.csv");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown time zone \"Mars/Olympus\"");
    expect(existsSync(join(dir, "s.db"))).toBe(false);
  });
});
