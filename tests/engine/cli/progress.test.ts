// Progress of `meterflow run` (issue 14 item 10). Not on a terminal: one summary line per input
// file on standard error, as the built command prints it. On a terminal: a bar with the percent
// of input bytes, rate and time left, redrawn at most four times a second, cleared at the end
// (driven here by a clock the test moves, so no timing is measured).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inputProgress } from "../../../engine/cli/progress.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir("meterflow-progress-");

describe("run progress when standard error is not a terminal", () => {
  it("prints one line per input file, with its rows and size, and nothing else", () => {
    writeFileSync(join(dir, "a.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,110\nE-2,2026-11-01,5\n");
    writeFileSync(join(dir, "b.ndjson"), `${JSON.stringify({ meter_id: "E-1", end: "2026-11-03", value: 120 })}\n`);
    for (const threads of ["0", "2"]) {
      const r = spawnSync(process.execPath, [BIN, "run", "--db", `s${threads}.db`, "--out", `out${threads}`, "--threads", threads, "a.csv", "b.ndjson"],
        { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, threads).toEqual([
        expect.stringMatching(/^meterflow: a\.csv: 3 rows, 0\.0 MiB in \d+\.\d s/),
        expect.stringMatching(/^meterflow: b\.ndjson: 1 row, 0\.0 MiB in \d+\.\d s/),
      ]);
      expect(r.stderr).not.toContain("\r");
    }
  });

  it("says of a pulse-events file how many rows it read and how many day readings they gave (it said `20 rows` of 25,993 events, then `events` for pulses, samples and rejected rows, which summary.json counts apart)", () => {
    writeFileSync(join(dir, "m.csv"), "meter_id,type,pulse_weight\nP-1,water.pulse,0.01\n");
    const events = ["meter_id,time,on_ms", ...Array.from({ length: 30 }, (_, i) => `P-1,2026-11-0${1 + (i % 2)}T0${i % 10}:00:0${i % 6}Z,50`)];
    writeFileSync(join(dir, "e.csv"), `${events.join("\n")}\n`);
    const r = spawnSync(process.execPath, [BIN, "run", "--db", "e.db", "--meters", "m.csv", "--out", "oute", "--pulse-events", "e.csv"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^meterflow: e\.csv: 30 rows -> 2 day readings, 0\.0 MiB in \d+\.\d s/)]);
  });

  it("prints nothing with --quiet", () => {
    const r = spawnSync(process.execPath, [BIN, "run", "--db", "q.db", "--out", "outq", "--quiet", "a.csv"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("run progress on a terminal", () => {
  function terminal() {
    const writes: string[] = [];
    let now = 0;
    const stream = Object.assign(Object.create(null) as NodeJS.WritableStream, { isTTY: true, columns: 100, write: (text: string) => (writes.push(text), true) });
    return { writes, stream, clock: () => now, tick: (ms: number) => (now += ms) };
  }

  it("draws a bar with percent of bytes, rate and time left, at most every 250 ms, and clears it", () => {
    const t = terminal();
    const p = inputProgress(t.stream, t.clock);
    p.begin([{ path: "a.csv", bytes: 4 << 20 }, { path: "b.csv", bytes: 4 << 20 }]);
    t.tick(1000);
    p.advance("a.csv", 2 << 20, 1_000_000);
    expect(t.writes).toHaveLength(1);
    expect(t.writes[0]).toMatch(/^\r\[#+-+\]  25% {2}2\.0 MiB of 8\.0 MiB {2}1\.00M rows\/s {2}0:03 left {2}a\.csv\x1b\[K$/);
    const [, filled, empty] = /\[(#*)(-*)\]/.exec(t.writes[0])!;
    expect(filled.length / (filled.length + empty.length)).toBe(0.25);
    expect(t.writes[0].length - "\r\x1b[K".length).toBeLessThanOrEqual(100);
    t.tick(100);
    p.advance("a.csv", 3 << 20, 1_500_000);
    expect(t.writes).toHaveLength(1);
    p.fileDone("a.csv", { bytes: 4 << 20, rows: 2_000_000, seconds: 1.5 });
    t.tick(900);
    p.advance("b.csv", 2 << 20, 3_000_000);
    expect(t.writes).toHaveLength(2);
    expect(t.writes[1]).toMatch(/ 75% {2}6\.0 MiB of 8\.0 MiB {2}1\.50M rows\/s {2}0:01 left {2}b\.csv/);
    p.end();
    expect(t.writes.at(-1)).toBe("\r\x1b[K");
  });

  it("writes nothing when nothing was drawn", () => {
    const t = terminal();
    const p = inputProgress(t.stream, t.clock);
    p.begin([{ path: "a.csv", bytes: 10 }]);
    p.end();
    expect(t.writes).toEqual([]);
  });
});
