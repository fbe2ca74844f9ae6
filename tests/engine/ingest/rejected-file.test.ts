// Issue 14 item 5: a rejected row can be traced back to its input. Every row of rejected.csv (and
// of rejected.ndjson) names the input file as it was given on the command line, in a last
// column `file`; a `column_count` row keeps the meter id it has. Through the built command, in
// one thread and with the decoding worker, and for pulse-event files.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-rejected-file-");
let n = 0;

function meterflow(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Two readings files whose bad rows share line numbers (3 and 4), one of them in a subdirectory. */
function workspace(): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(join(dir, "night"), { recursive: true });
  writeFileSync(join(dir, "a.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,abc\nE-1,2026-11-03,-5\n");
  writeFileSync(join(dir, "night", "b 2.csv"), "meter_id,end,value\nE-2,2026-11-01,100\nE-2,2026-11-02,110,extra\n,2026-11-03,120\n");
  return dir;
}

const expected = [
  ["3", "E-1", "bad_value", "a.csv"],
  ["4", "E-1", "negative_value", "a.csv"],
  ["3", "E-2", "column_count", "night/b 2.csv"],
  ["4", "", "missing_meter_id", "night/b 2.csv"],
];

describe("rejected rows name their input file", () => {
  for (const threads of ["0", "1"]) {
    it(`rejected.csv: the file as given, last column; column_count keeps the meter id (--threads ${threads})`, () => {
      const dir = workspace();
      const r = meterflow(dir, "run", "--quiet", "--threads", threads, "--db", "s.db", "--out", "out", "a.csv", "night/b 2.csv");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const text = readFileSync(join(dir, "out", "rejected.csv"), "utf8");
      expect(text.split("\n")[0]).toBe("source_line,meter_id,reason,raw,file");
      const rows = readCsv(join(dir, "out", "rejected.csv"));
      expect(rows.map((x) => [x.source_line, x.meter_id, x.reason, x.file])).toEqual(expected);
      expect(rows[2].raw).toBe("E-2,2026-11-02,110,extra");
    });
  }

  it("rejected.ndjson carries `file` too", () => {
    const dir = workspace();
    const r = meterflow(dir, "run", "--quiet", "--format", "ndjson", "--db", "s.db", "--out", "out", "a.csv", "night/b 2.csv");
    expect(r.status).toBe(0);
    const rows = readFileSync(join(dir, "out", "rejected.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((x) => [String(x.source_line), x.meter_id, x.reason, x.file])).toEqual(expected);
  });

  it("a second run of the same files (duplicates) still names them, renamed or not", () => {
    const dir = workspace();
    expect(meterflow(dir, "run", "--quiet", "--db", "s.db", "--out", "out", "a.csv", "night/b 2.csv").status).toBe(0);
    writeFileSync(join(dir, "copy.csv"), readFileSync(join(dir, "a.csv")));
    expect(meterflow(dir, "run", "--quiet", "--db", "s.db", "--out", "out2", "copy.csv").status).toBe(0);
    expect(readCsv(join(dir, "out2", "rejected.csv")).map((x) => [x.source_line, x.reason, x.file])).toEqual([
      ["3", "bad_value", "copy.csv"],
      ["4", "negative_value", "copy.csv"],
    ]);
  });

  it("pulse-event files' rejected rows name the events file", () => {
    const dir = workspace();
    writeFileSync(join(dir, "meters.csv"), "meter_id,type,unit,pulse_weight,pulse_input\nL-1,water.pulse,l,10,s0a\n");
    writeFileSync(join(dir, "events.csv"), "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt\n" +
      "L-1,2026-11-28T08:00:00.000Z,50,,,,\nL-1,yesterday,50,,,,\n");
    const r = meterflow(dir, "run", "--quiet", "--db", "s.db", "--meters", "meters.csv", "--out", "out", "--pulse-events", "events.csv", "a.csv");
    expect(r.stderr).toBe("");
    expect(readCsv(join(dir, "out", "rejected.csv")).map((x) => [x.source_line, x.meter_id, x.reason, x.file])).toEqual([
      ["3", "E-1", "bad_value", "a.csv"],
      ["4", "E-1", "negative_value", "a.csv"],
      ["3", "L-1", "bad_event_time", "events.csv"],
    ]);
  });
});
