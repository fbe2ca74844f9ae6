// Issue 14 item 8, the counters: importing an identical registry again says so
// (`0 inserted, 0 updated, N unchanged`) in `meters import` and in a run's summary (the line
// printed and summary.json), and `updated` counts only meters whose row changed; on SQLite and on
// PostgreSQL, through the built command.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-reimport-");
let n = 0;

function meterflow(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trim().split("\n") };
}

const HEADER = "meter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center,gl_account," +
  "last_reading,last_end,pulse_weight,pulse_input,pulse_width_ms,qmax,no_pulse_days,debounce_ms";
// Every kind of field: plain, a factor and reset, a parent with prices and a baseline, a pulse
// meter filled by its type's defaults, and an id that is a number.
const METERS = [
  HEADER,
  "E-1,electricity.register,kWh,,,,,,,,,,,,,,,,,",
  "E-2,electricity.register,kWh,2.5,10000,,modulus,E-1,0.31,0.2,CC-7,4000,9876.5,2026-08-31,,,,,,",
  "W-1,water.pulse,m3,,,,,,,,,,,,0.001,namur,30,5,3,10",
  "W-2,water.pulse,m3,,,,,,,,,,,,,,,,,",
  "12345,gas.register,m3,0.1,,5,documented,,,,,,,,,,,,,",
];

function workspace(): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "meters.csv"), `${METERS.join("\n")}\n`);
  writeFileSync(join(dir, "r.csv"), "meter_id,end,value\nE-1,2026-11-01,100\n");
  return dir;
}

const stores: Array<[string, () => string]> = [["SQLite", () => "state.db"]];
if (runPostgresTests) stores.push(["PostgreSQL", () => testStoreUrl()]);

describe.each(stores)("registry counters on %s", (_name, db) => {
  it("meters import: an identical registry is all unchanged; one changed row is the one updated", () => {
    const dir = workspace();
    const store = db();
    const first = meterflow(dir, "meters", "import", "--db", store, "meters.csv");
    expect(first.stderr).toBe("");
    expect(first.lines).toEqual(["meters: 5 inserted, 0 updated, 0 unchanged, 0 rejected"]);
    expect(meterflow(dir, "meters", "import", "--db", store, "meters.csv").lines).toEqual(["meters: 0 inserted, 0 updated, 5 unchanged, 0 rejected"]);
    // One meter changed (its cost center: a field kept only in the queryable registry), one added.
    writeFileSync(join(dir, "meters.csv"), `${[...METERS.map((l) => l.replace("CC-7", "CC-8")), "G-9,gas.register,m3,,,,,,,,,,,,,,,,,"].join("\n")}\n`);
    expect(meterflow(dir, "meters", "import", "--db", store, "meters.csv").lines).toEqual(["meters: 1 inserted, 1 updated, 4 unchanged, 0 rejected"]);
    expect(meterflow(dir, "meters", "import", "--db", store, "meters.csv").lines).toEqual(["meters: 0 inserted, 0 updated, 6 unchanged, 0 rejected"]);
  });

  it("run --meters: the second run's summary counts the registry unchanged (printed and in summary.json)", () => {
    const dir = workspace();
    const store = db();
    writeFileSync(join(dir, "meters.csv"), `${[...METERS, "BAD,electricity.register,kWh,-1,,,,,,,,,,,,,,,,"].join("\n")}\n`);
    const first = meterflow(dir, "run", "--db", store, "--meters", "meters.csv", "--out", "out1", "r.csv");
    expect(first.status).toBe(0);
    expect(first.lines).toContain("meters: 5 inserted, 0 updated, 0 unchanged, 1 rejected");
    const second = meterflow(dir, "run", "--db", store, "--meters", "meters.csv", "--out", "out2", "r.csv");
    expect(second.status).toBe(0);
    expect(second.lines).toContain("meters: 0 inserted, 0 updated, 5 unchanged, 1 rejected (the registry file and meter types are those imported last: not read again)");
    const summary = JSON.parse(readFileSync(join(dir, "out2", "summary.json"), "utf8"));
    expect(summary.meters.imported).toEqual({ inserted: 0, updated: 0, unchanged: 5, rejected: 1, skipped: true });
    // An explicit import reads it again, and finds the same.
    expect(meterflow(dir, "meters", "import", "--db", store, "meters.csv").lines[0]).toBe("meters: 0 inserted, 0 updated, 5 unchanged, 1 rejected");
  });

  it("meters import: every rejected row written out with its line, reason and raw text, not only the listed ones", () => {
    const dir = workspace();
    const store = db();
    // 30 bad rows (more than the 20 listed) among good ones: unknown types, bad numbers, an id twice.
    const bad = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `X-${i},no.such.type,kWh,,,,,,,,,,,,,,,,,`
      : i % 3 === 1 ? `X-${i},electricity.register,kWh,abc,,,,,,,,,,,,,,,,` : "E-1,electricity.register,kWh,,,,,,,,,,,,,,,,,"));
    writeFileSync(join(dir, "meters.csv"), `${[...METERS, ...bad].join("\n")}\n`);
    const r = meterflow(dir, "meters", "import", "--db", store, "meters.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines[0]).toBe("meters: 5 inserted, 0 updated, 0 unchanged, 30 rejected");
    expect(r.lines).toContain("  ... and 10 more");
    // What happens to their meters (the rows include unknown types).
    const effect = "a meter registered before keeps its registry row (held unknown_meter_type while its registered type is one no loaded plugin defines), "
      + "a meter not registered has its readings held unknown_meter";
    expect(r.lines.at(-1)).toBe(`  all 30 in meters-rejected.csv; ${effect}`);
    const rows = readFileSync(join(dir, "meters-rejected.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("line,meter_id,reason,raw");
    expect(rows).toHaveLength(31);
    // Line numbers count the header: bad row i is line METERS.length + 1 + i.
    expect(rows[1]).toBe(`${METERS.length + 1},X-0,unknown_meter_type,"X-0,no.such.type,kWh,,,,,,,,,,,,,,,,,"`);
    expect(rows[2]).toMatch(new RegExp(`^${METERS.length + 2},X-1,\\w+,"X-1,electricity.register,kWh,abc,`));
    expect(rows[3]).toMatch(new RegExp(`^${METERS.length + 3},E-1,duplicate_meter_id,`));
    // --rejected names the file; a directory that is not there is refused before anything is imported.
    const again = meterflow(dir, "meters", "import", "--db", store, "--rejected", "bad-meters.csv", "meters.csv");
    expect(again.lines.at(-1)).toBe(`  all 30 in bad-meters.csv; ${effect}`);
    expect(readFileSync(join(dir, "bad-meters.csv"), "utf8")).toBe(readFileSync(join(dir, "meters-rejected.csv"), "utf8"));
    const refused = meterflow(dir, "meters", "import", "--db", store, "--rejected", "nowhere/x.csv", "meters.csv");
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe("meterflow: --rejected nowhere/x.csv: no such directory (MF_ERR_OUTPUT_FILE)");
    // A registry without bad rows writes no file.
    const clean = workspace();
    expect(meterflow(clean, "meters", "import", "--db", db(), "meters.csv").status).toBe(0);
    expect(existsSync(join(clean, "meters-rejected.csv"))).toBe(false);
  });
});

describe("meters import: what it cannot do is refused before anything is imported", () => {
  it("a --rejected that is a directory, or a registry whose header it cannot use: one coded line, exit 1, no state made", () => {
    const dir = workspace();
    mkdirSync(join(dir, "somedir"));
    writeFileSync(join(dir, "bad.csv"), `${METERS.join("\n")}\nE-1,electricity.register,kWh,,,,,,,,,,,,,,,,,\n`);
    writeFileSync(join(dir, "semi.csv"), "meter_id;type\nE-1;electricity.register\n");
    writeFileSync(join(dir, "empty.csv"), "");
    const before = ["bad.csv", "empty.csv", "meters.csv", "r.csv", "semi.csv", "somedir"];
    const cases: Array<[string[], string]> = [
      [["--rejected", "somedir", "bad.csv"], "--rejected somedir: a directory, not a file (MF_ERR_OUTPUT_FILE)"],
      [["semi.csv"], 'meter registry semi.csv: the header lacks column "meter_id" (the header looks separated by \';\': meterflow reads '
        + "comma-separated files; save or convert the file with ',' between fields) (MF_ERR_INPUT_HEADER)"],
      [["empty.csv"], "meter registry empty.csv has no header row (MF_ERR_INPUT_HEADER)"],
    ];
    for (const [args, line] of cases) {
      const r = meterflow(dir, "meters", "import", "--db", "state.db", ...args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr.trim().split("\n"), args.join(" ")).toEqual([`meterflow: ${line}`]);
      expect(readdirSync(dir).sort(), args.join(" ")).toEqual(before);
      expect(readdirSync(join(dir, "somedir"))).toEqual([]);
    }
  });
});
