// Column names are read as written (README "Inputs"): a known column in another spelling
// (capitals, spaces around it) is refused naming it, in readings, registry and pulse-events files
// (an NDJSON file's first record's keys as its header), before anything is written. Read as an
// extra column it was ignored: the registry audit's `Scaling_Factor,Digits` imported the meter at
// factor 1 without digits and billed 4,999 where 49,990 was due. And a registry meter id that is
// not UTF-8 text is `bad_meter_id`, as in readings.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";

const root = tempDir("meterflow-column-names-");
let n = 0;

function workspace(files: Record<string, string | Buffer>): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe("column names in another spelling", () => {
  it.each([
    ["a registry", { "m.csv": "meter_id,Scaling_Factor,Digits\nA,10,3\n", "r.csv": "meter_id,end,value\nA,2026-11-01,1\n" }, ["--meters", "m.csv", "r.csv"], '"Scaling_Factor", "Digits"'],
    ["a registry, spaces", { "m.csv": "meter_id, scaling_factor\nA,10\n", "r.csv": "meter_id,end,value\nA,2026-11-01,1\n" }, ["--meters", "m.csv", "r.csv"], '" scaling_factor"'],
    ["readings", { "r.csv": "meter_id,end,value,Override\nA,2026-11-01,1,5\n" }, ["r.csv"], '"Override"'],
    ["readings, a pulse column", { "r.csv": "meter_id,end,value,PULSE_MIN_ON_MS\nA,2026-11-01,1,5\n" }, ["r.csv"], '"PULSE_MIN_ON_MS"'],
    ["pulse events", { "e.csv": "meter_id,time,On_ms\nL,2026-11-01T00:00:00Z,50\n" }, ["--pulse-events", "e.csv"], '"On_ms"'],
    // NDJSON has no header: its first record's keys are checked as one.
    ["NDJSON readings", { "r.ndjson": '\n{"meter_id":"A","end":"2026-11-01","value":1,"Override":5}\n' }, ["r.ndjson"], '"Override"'],
    ["an NDJSON registry", { "m.ndjson": '{"meter_id":"A","Scaling_Factor":10}\n', "r.csv": "meter_id,end,value\nA,2026-11-01,1\n" }, ["--meters", "m.ndjson", "r.csv"], '"Scaling_Factor"'],
  ])("in %s: refused naming them, exit 1, nothing written", (_what, files, args, named) => {
    const dir = workspace(files);
    const r = meterflowIn(dir, "run", "--db", "s.db", "--out", "out", ...args);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stderr).toContain(named);
    expect(r.stderr).toContain("MF_ERR_INPUT_HEADER");
    expect(existsSync(join(dir, "s.db"))).toBe(false);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("refuses an NDJSON registry's misspelt key in meters import too, importing nothing", () => {
    const dir = workspace({ "m.ndjson": '{"meter_id":"A","Digits":3}\n{"meter_id":"B"}\n' });
    const r = meterflowIn(dir, "meters", "import", "--db", "s.db", "m.ndjson");
    expect(r.status, r.stdout).toBe(1);
    expect(r.stderr).toContain('the first record has "Digits"');
    expect(existsSync(join(dir, "s.db"))).toBe(false);
  });

  it("lets names as written through, unknown extra columns included", () => {
    const dir = workspace({ "m.csv": "meter_id,scaling_factor,digits,Notes\nA,10,3,x\n", "r.csv": "meter_id,end,value,Comment\nA,2026-11-01,1,a\nA,2026-11-02,5,b\n" });
    const r = meterflowIn(dir, "run", "--meters", "m.csv", "--db", "s.db", "--out", "out", "--quiet", "r.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "out", "billing.csv"), "utf8")).toContain("A@2026-11-02,A,2026-11-02,2026-11-02,1,1,5,40,40,");
  });
});

describe("registry meter ids that are not text", () => {
  it.each([
    ["CSV", "m.csv", Buffer.concat([Buffer.from("meter_id\n"), Buffer.of(0xff, 0xfe), Buffer.from("\n"), Buffer.of(0xfe, 0xff), Buffer.from("\nX\uFFFDY\nOK\n")])],
    ["NDJSON", "m.ndjson", Buffer.concat([Buffer.from('{"meter_id":"'), Buffer.of(0xff, 0xfe), Buffer.from('"}\n{"meter_id":"'), Buffer.of(0xfe, 0xff), Buffer.from('"}\n{"meter_id":"X\\ufffdY"}\n{"meter_id":"OK"}\n')])],
  ])("are bad_meter_id in a %s registry, each its own row (not one meter and a duplicate)", (_format, name, content) => {
    const dir = workspace({ [name]: content });
    const r = meterflowIn(dir, "meters", "import", "--db", "s.db", "--rejected", "rej.csv", name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 inserted/);
    const reasons = readFileSync(join(dir, "rej.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").find((f) => f.startsWith("bad_") || f.startsWith("duplicate")));
    expect(reasons).toEqual(["bad_meter_id", "bad_meter_id", "bad_meter_id"]);
  });
});
