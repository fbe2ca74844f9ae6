// `meterflow run` when it cannot run (issue 14 items 1, 2, 4; issue 13 item 5), as a person meets
// it: the built command's exit status, the one line (or the whole coded error) on standard error,
// and what is left on disk: nothing, when an input, an option or the output directory is wrong.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { THROWING_FACT_PLUGIN } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { adminClient, runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-run-errors-");
let n = 0;

/** A fresh directory with one small readings file. */
function workspace(): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "r.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,110\n");
  return dir;
}

/** The built command in `cwd`; a run that does not end within a minute is killed (and fails the test: status null). */
function meterflow(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.trim().split("\n") };
}

describe("meterflow run: an output directory it cannot write", () => {
  it("ends with one line and exit 1 for /proc/nope (it used to spin forever in mkdir)", () => {
    const dir = workspace();
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "/proc/nope", "r.csv");
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(["meterflow: cannot write to /proc/nope: no such directory can be created there (MF_ERR_OUTPUT_DIR)"]);
    expect(readdirSync(dir)).toEqual(["r.csv"]);
  });

  it("says a file is in the way, for the directory and for a parent of it", () => {
    const dir = workspace();
    for (const out of ["r.csv", "r.csv/out/deeper"]) {
      const r = meterflow(dir, "run", "--db", "s.db", "--out", out, "r.csv");
      expect(r.status).toBe(1);
      expect(r.lines).toEqual([`meterflow: cannot write to ${out}: a file is in the way (not a directory) (MF_ERR_OUTPUT_DIR)`]);
    }
    expect(readdirSync(dir)).toEqual(["r.csv"]);
  });

  it.skipIf(process.getuid?.() === 0)("says permission denied for a read-only directory (not as root: root may write anywhere)", () => {
    const dir = workspace();
    mkdirSync(join(dir, "ro"));
    chmodSync(join(dir, "ro"), 0o555);
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "ro/out", "r.csv");
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(["meterflow: cannot write to ro/out: permission denied (MF_ERR_OUTPUT_DIR)"]);
    expect(readdirSync(dir).sort()).toEqual(["r.csv", "ro"]);
  });
});

describe("meterflow run: checks before anything is written", () => {
  it("refuses an input whose format it cannot tell, pointing to --input-format; no registry import, no run, no file", () => {
    const dir = workspace();
    writeFileSync(join(dir, "r.txt"), "meter_id,end,value\nE-1,2026-11-01,100\n");
    writeFileSync(join(dir, "m.csv"), "meter_id,type\nE-1,electricity.register\n");
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", "--meters", "m.csv", "r.txt");
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(["meterflow: cannot tell the format of r.txt: name it .csv, .ndjson, .jsonl, .msgpack or .mpk, "
      + "or give --input-format csv|ndjson|msgpack (MF_ERR_INPUT_FORMAT)"]);
    expect(readdirSync(dir).sort()).toEqual(["m.csv", "r.csv", "r.txt"]);

    const named = meterflow(dir, "run", "--db", "s.db", "--out", "out", "--input-format", "csv", "--quiet", "r.txt");
    expect(named.status, named.stderr).toBe(0);
    expect(existsSync(join(dir, "out", "billing.csv"))).toBe(true);
  });

  it("refuses a missing input or registry, a bad --rules or --config, with nothing written", () => {
    const dir = workspace();
    writeFileSync(join(dir, "bad-rules.json"), "{ not json");
    const cases: Array<[string[], RegExp]> = [
      [["nope.csv"], /^meterflow: cannot read input nope\.csv: no such file \(MF_ERR_RUN\)$/],
      [["--meters", "nope-meters.csv", "r.csv"], /^meterflow: cannot read meter registry nope-meters\.csv: no such file \(MF_ERR_RUN\)$/],
      [["--meters", "r.csv/meters.csv", "r.csv"], /^meterflow: cannot read meter registry r\.csv\/meters\.csv: no such file \(a file is in its path\) \(MF_ERR_RUN\)$/],
      [["--pulse-events", "nope-events.csv", "r.csv"], /^meterflow: cannot read input nope-events\.csv: no such file \(MF_ERR_RUN\)$/],
      [["--rules", "bad-rules.json", "r.csv"], /^meterflow: .*bad-rules\.json.*\(MF_ERR_RULES_\w+\)$/],
      [["--config", "nope.json", "r.csv"], /^meterflow: cannot read plugin configuration .*nope\.json: no such file \(MF_ERR_PLUGIN_CONFIG\)$/],
    ];
    for (const [args, line] of cases) {
      const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", ...args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.lines, args.join(" ")).toHaveLength(1);
      expect(r.stderr.trim(), args.join(" ")).toMatch(line);
    }
    expect(readdirSync(dir).sort()).toEqual(["bad-rules.json", "r.csv"]);
  });

  it("meters import says why it cannot read the registry, as run does (it said only \"cannot read\")", () => {
    const dir = workspace();
    mkdirSync(join(dir, "adir"));
    const cases: Array<[string, string]> = [
      ["nope.csv", "meterflow: cannot read meter registry nope.csv: no such file (MF_ERR_RUN)"],
      ["adir", "meterflow: cannot read meter registry adir: not a file (MF_ERR_RUN)"],
      ["r.csv/m.csv", "meterflow: cannot read meter registry r.csv/m.csv: no such file (a file is in its path) (MF_ERR_RUN)"],
    ];
    for (const [file, line] of cases) {
      const r = meterflow(dir, "meters", "import", "--db", "s.db", file);
      expect(r.status, file).toBe(1);
      expect(r.lines, file).toEqual([line]);
    }
    expect(readdirSync(dir).sort()).toEqual(["adir", "r.csv"]);
  });

  it("removes its partial files when a run fails part-way", async () => {
    const dir = workspace();
    writeFileSync(join(dir, "bad.csv"), "meter_id,end,value\nE-1,2026-11-02,110\n");
    // An output directory that was there keeps what it had; one the run made goes again.
    mkdirSync(join(dir, "out2"));
    writeFileSync(join(dir, "out2", "keep.txt"), "");
    for (const out of ["out0", "out2"]) {
      // The run holds (a failpoint) once its checks passed and its run is recorded; the second
      // input loses its value column meanwhile: found only once it is decoded, the outputs open.
      const release = join(dir, `release-${out}`);
      const run = spawnAsync(dir, ["run", "--db", "s.db", "--out", out, "--threads", "0", "r.csv", "bad.csv"], { MF_FAILPOINT_HOLD_UNTIL_FILE: release });
      await until(() => sqliteState(dir).running());
      writeFileSync(join(dir, "bad.csv"), "meter_id,end\nE-1,2026-11-02\n");
      writeFileSync(release, "");
      expect(await run.status, run.stderr()).toBe(1);
      expect(run.stderr().trim().split("\n").at(-1)).toBe('meterflow: bad.csv: readings CSV header lacks required column "value" (MF_ERR_INPUT_HEADER)');
      writeFileSync(join(dir, "bad.csv"), "meter_id,end,value\nE-1,2026-11-02,110\n");
    }
    expect(existsSync(join(dir, "out0"))).toBe(false);
    expect(readdirSync(join(dir, "out2"))).toEqual(["keep.txt"]);
    expect((await sqliteState(dir).runs()).map((x) => x.status)).toEqual(["failed", "failed"]);
  });

  it("prints a coded error whole: every problem of an invalid plugin descriptor, with its code", () => {
    const dir = workspace();
    writeFileSync(join(dir, "bad.mjs"), `export default { name: "bad", version: "1.0.0", sdk: "^1.0.0",
      sensors: [{ name: "soil", unit: "%", description: "d", range: { min: 5, max: 1 } }],
      thresholds: [{ name: "t", channel: "soil_moist", above: 1, forMinutes: 0, severity: "warning", message: "m" }] };\n`);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ plugins: ["./bad.mjs"] }));
    const r = meterflow(dir, "run", "--config", "bad.json", "--db", "s.db", "--out", "out", "r.csv");
    expect(r.status).toBe(1);
    expect(r.lines[0]).toBe("meterflow: [plugin bad] register: invalid descriptor (2 problems): (MF_ERR_PLUGIN_INVALID)");
    expect(r.lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}sensors\[0\]\.range: /),
      expect.stringMatching(/^ {2}thresholds\[0\]\.channel: "soil_moist" /),
    ]);
    expect(readdirSync(dir).sort()).toEqual(["bad.json", "bad.mjs", "r.csv"]);
  });
});

describe("meterflow run: every input's header is checked before anything is written", () => {
  it("refuses a bad readings, pulse-events or registry header in one line, exit 1: no state, no lock, no output", () => {
    const dir = workspace();
    writeFileSync(join(dir, "m.csv"), "meter_id,type\nE-1,electricity.register\nE-2,electricity.register\nE-3,electricity.register\n");
    writeFileSync(join(dir, "noend.csv"), "meter_id,value\nE-1,100\n");
    writeFileSync(join(dir, "noend.txt"), "meter_id,value\nE-1,100\n");
    writeFileSync(join(dir, "semi.csv"), "meter_id;end;value\nE-1;2026-11-01;100\n");
    writeFileSync(join(dir, "events.csv"), "meter_id,on_ms\nE-1,5\n");
    writeFileSync(join(dir, "bad-meters.csv"), "meterid,type\nE-1,electricity.register\n");
    writeFileSync(join(dir, "empty-meters.csv"), "");
    // An output directory that was there stays exactly as it was.
    mkdirSync(join(dir, "kept"));
    writeFileSync(join(dir, "kept", "keep.txt"), "x");
    const before = readdirSync(dir).sort();
    const semi = "(the header looks separated by ';': meterflow reads comma-separated files; save or convert the file with ',' between fields)";
    const cases: Array<[string[], string]> = [
      [["r.csv", "noend.csv"], 'noend.csv: readings CSV header lacks required column "end"'],
      // With threads a decoding thread starts before the checks: it must stop with the run.
      [["--threads", "1", "r.csv", "semi.csv"], `semi.csv: readings CSV header lacks required column "meter_id", "end", "value" ${semi}`],
      [["--threads", "2", "noend.csv", "r.csv"], 'noend.csv: readings CSV header lacks required column "end"'],
      [["--input-format", "csv", "noend.txt"], 'noend.txt: readings CSV header lacks required column "end"'],
      [["--pulse-events", "events.csv", "r.csv"], 'events.csv: pulse events CSV header lacks required column "time"'],
    ];
    for (const out of ["out", "kept"]) {
      for (const [args, message] of [
        ...cases.map(([args, message]): [string[], string] => [["--meters", "m.csv", ...args], message]),
        [["--meters", "bad-meters.csv", "r.csv"], 'meter registry bad-meters.csv: the header lacks column "meter_id"'],
        [["--meters", "empty-meters.csv", "r.csv"], "meter registry empty-meters.csv has no header row"],
      ] as Array<[string[], string]>) {
        const r = meterflow(dir, "run", "--db", "s.db", "--out", out, ...args);
        expect(r.signal, args.join(" ")).toBeNull();
        expect(r.status, args.join(" ")).toBe(1);
        expect(r.lines, args.join(" ")).toEqual([`meterflow: ${message} (MF_ERR_INPUT_HEADER)`]);
        expect(readdirSync(dir).sort(), args.join(" ")).toEqual(before);
        expect(readdirSync(join(dir, "kept"))).toEqual(["keep.txt"]);
      }
    }
  });

  it("refuses a file whose start shows another format than it is read as, in one line, exit 1, nothing written (audit: exit 0, all rejected, `in` inflated)", () => {
    const dir = workspace();
    const ndjson = '{"meter_id":"E-1","end":"2026-11-01","value":100}\n{"meter_id":"E-1","end":"2026-11-02","value":110}\n';
    writeFileSync(join(dir, "m.csv"), "meter_id,type\nE-1,electricity.register\n");
    writeFileSync(join(dir, "wrong.msgpack"), ndjson);
    writeFileSync(join(dir, "wrong.ndjson"), "meter_id,end,value\nE-1,2026-11-01,100\n");
    writeFileSync(join(dir, "nd.csv"), ndjson);
    writeFileSync(join(dir, "m.ndjson"), "meter_id,type\nE-1,electricity.register\n");
    writeFileSync(join(dir, "e.ndjson"), "meter_id,time,on_ms\nE-1,2026-11-01T06:00:00Z,40\n");
    writeFileSync(join(dir, "m.json"), '[{"meter_id":"E-1","type":"electricity.register"}]\n');
    const before = readdirSync(dir).sort();
    const csvFirst = '"meter_id,end,value", not a JSON object';
    const cases: Array<[string[], string]> = [
      [["--meters", "m.csv", "wrong.msgpack"], 'wrong.msgpack: readings file is read as msgpack, but it looks like NDJSON (it begins with "{", a JSON object): name the file .ndjson or .jsonl, or give --input-format ndjson'],
      [["--meters", "m.csv", "--threads", "1", "r.csv", "wrong.ndjson"], `wrong.ndjson: readings file is read as NDJSON, but it looks like CSV (its first line is ${csvFirst}): name the file .csv, or give --input-format csv`],
      [["--meters", "m.csv", "--input-format", "ndjson", "r.csv"], `r.csv: readings file is read as NDJSON, but it looks like CSV (its first line is ${csvFirst}): name the file .csv, or give --input-format csv`],
      [["--meters", "m.csv", "nd.csv"], `nd.csv: readings CSV header is malformed: ${ndjson.split("\n")[0]} (the file looks like NDJSON, one JSON object per line: name it .ndjson or .jsonl)`],
      [["--meters", "m.ndjson", "r.csv"], 'meter registry m.ndjson is read as NDJSON, but it looks like CSV (its first line is "meter_id,type", not a JSON object): name the file .csv'],
      [["--meters", "m.csv", "--pulse-events", "e.ndjson", "r.csv"], 'e.ndjson: pulse events file is read as NDJSON, but it looks like CSV (its first line is "meter_id,time,on_ms", not a JSON object): name the file .csv'],
    ];
    for (const [args, message] of cases) {
      const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", ...args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.lines, args.join(" ")).toEqual([`meterflow: ${message} (MF_ERR_INPUT_HEADER)`]);
      expect(readdirSync(dir).sort(), args.join(" ")).toEqual(before);
    }
    const imported = meterflow(dir, "meters", "import", "--db", "s.db", "m.ndjson");
    expect(imported.status).toBe(1);
    expect(imported.lines).toEqual(['meterflow: meter registry m.ndjson is read as NDJSON, but it looks like CSV (its first line is "meter_id,type", not a JSON object): name the file .csv (MF_ERR_INPUT_HEADER)']);
    // A registry named neither .csv nor .ndjson/.jsonl is refused, as a readings file is (a .json one read as CSV said "the header lacks column meter_id").
    const json = meterflow(dir, "meters", "import", "--db", "s.db", "m.json");
    expect(json.status).toBe(1);
    expect(json.lines).toEqual(["meterflow: cannot tell the format of meter registry m.json: name it .csv, or .ndjson or .jsonl "
      + "(a .json file: meterflow reads NDJSON, one JSON object per line, not a JSON array) (MF_ERR_INPUT_FORMAT)"]);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("takes a file of sensor rows without a value column (its channels come from the plugins), an NDJSON registry and an empty input", () => {
    const dir = workspace();
    writeFileSync(join(dir, "sensors.csv"), "meter_id,end,temperature\nE-1,2026-11-02,21.5\n");
    writeFileSync(join(dir, "m.ndjson"), '{"meter_id":"E-1","type":"electricity.register"}\n');
    writeFileSync(join(dir, "empty.csv"), "");
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", "--meters", "m.ndjson", "--quiet", "r.csv", "sensors.csv", "empty.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"))).toMatchObject({ in: 3, sensor: 1 });
  });
});

describe("meterflow run: an output name taken by a directory", () => {
  it("is refused before anything is written, for the run's files and meters-rejected.csv", () => {
    const dir = workspace();
    writeFileSync(join(dir, "m.csv"), "meter_id,type\nE-1,electricity.register\n");
    for (const name of ["billing.csv", "summary.json", "held.csv.partial", "meters-rejected.csv"]) {
      mkdirSync(join(dir, "out", name), { recursive: true });
      const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", "--meters", "m.csv", "r.csv");
      expect(r.status, name).toBe(1);
      expect(r.lines, name).toEqual([`meterflow: cannot write to out: ${name} is a directory (MF_ERR_OUTPUT_DIR)`]);
      expect(readdirSync(dir).sort(), name).toEqual(["m.csv", "out", "r.csv"]);
      expect(readdirSync(join(dir, "out")), name).toEqual([name]);
      rmSync(join(dir, "out"), { recursive: true });
    }
  });
});

describe("meterflow run --meters: registry rows it cannot import", () => {
  it("lists them on standard error (a long list cut with a count) and writes them all to meters-rejected.csv", () => {
    const dir = workspace();
    const bad = Array.from({ length: 25 }, () => ",electricity.register");
    writeFileSync(join(dir, "m.csv"), ["meter_id,type", "E-1,electricity.register", ...bad].join("\n") + "\n");
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", "--meters", "m.csv", "--quiet", "r.csv");
    expect(r.status, r.stderr).toBe(0);
    const at = r.lines.findIndex((l) => l.startsWith("meterflow: meter registry:"));
    expect(r.lines[at]).toBe("meterflow: meter registry: 25 rows not imported (all in out/meters-rejected.csv; "
      + "a meter registered before keeps its registry row, a meter not registered has its readings held unknown_meter):");
    // The first 20, then a count of the rest.
    expect(r.lines.slice(at + 1, at + 22)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `  line ${i + 3}: (no id): missing_meter_id`),
      "  ... and 5 more",
    ]);
    const file = readFileSyncLines(join(dir, "out", "meters-rejected.csv"));
    expect(file[0]).toBe("line,meter_id,reason,raw");
    expect(file.slice(1)).toEqual(Array.from({ length: 25 }, (_, i) => `${i + 3},,missing_meter_id,",electricity.register"`));
  });

  it("says what happens to a registered meter whose type no loaded plugin defines any more: its readings are held unknown_meter_type", () => {
    const dir = workspace();
    writeFileSync(join(dir, "steam.mjs"), `export default { name: "@test/steam", version: "1.0.0", sdk: "^1.0.0",
  meterTypes: [{ name: "steam.register", kind: "register", unit: "t", description: "steam", defaults: { scalingFactor: 2 } }] };\n`);
    writeFileSync(join(dir, "with.json"), JSON.stringify({ plugins: ["./steam.mjs"] }));
    writeFileSync(join(dir, "without.json"), JSON.stringify({ plugins: [] }));
    writeFileSync(join(dir, "m.csv"), "meter_id,type\nS-1,steam.register\n");
    writeFileSync(join(dir, "r1.csv"), "meter_id,end,value\nS-1,2026-10-31,100\n");
    writeFileSync(join(dir, "r2.csv"), "meter_id,end,value\nS-1,2026-11-30,150\n");
    const first = meterflow(dir, "run", "--config", "with.json", "--db", "s.db", "--out", "o1", "--meters", "m.csv", "--quiet", "r1.csv");
    expect(first.status, first.stderr).toBe(0);
    const r = meterflow(dir, "run", "--config", "without.json", "--db", "s.db", "--out", "o2", "--meters", "m.csv", "--quiet", "r2.csv");
    expect(r.status, r.stderr).toBe(0);
    const at = r.lines.findIndex((l) => l.startsWith("meterflow: meter registry:"));
    expect(r.lines.slice(at, at + 2)).toEqual([
      "meterflow: meter registry: 1 row not imported (all in o2/meters-rejected.csv; a meter registered before keeps its registry row "
        + "(held unknown_meter_type while its registered type is one no loaded plugin defines), a meter not registered has its readings held unknown_meter):",
      "  line 2: S-1: unknown_meter_type",
    ]);
    expect(readFileSyncLines(join(dir, "o2", "held.csv")).slice(1)).toEqual(["S-1@2026-11-30,S-1,2026-11-01,2026-11-30,30,100,150,100,3.333333,,unknown_meter_type"]);
    expect(readFileSyncLines(join(dir, "o2", "billing.csv")).slice(1)).toEqual([]);
  });
});

/** A state for two runs at once: its --db, the run recorded as running, and the runs recorded. */
interface State {
  db: string;
  running(): Promise<{ run_id: number; started_at: string } | undefined>;
  runs(): Promise<Array<{ status: string; summary: string }>>;
}

function sqliteState(dir: string): State {
  const path = join(dir, "s.db");
  const query = <T>(sql: string): T[] => {
    if (!existsSync(path)) return [];
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } catch {
      return [];
    } finally {
      db.close();
    }
  };
  return {
    db: "s.db",
    running: async () => query<{ run_id: number; started_at: string }>("SELECT run_id, started_at FROM runs WHERE status = 'running'")[0],
    runs: async () => query("SELECT status, summary FROM runs ORDER BY run_id"),
  };
}

function postgresState(): State {
  const db = testStoreUrl();
  const schema = new URL(db).searchParams.get("schema")!;
  const query = async <T>(sql: string): Promise<T[]> => {
    const client = adminClient();
    await client.connect();
    try {
      return (await client.query(sql.replace("runs", `"${schema}".runs`))).rows as T[];
    } catch {
      return [];
    } finally {
      await client.end();
    }
  };
  return {
    db,
    running: async () => (await query<{ run_id: number; started_at: string }>("SELECT run_id, started_at FROM runs WHERE status = 'running'"))[0],
    runs: () => query("SELECT status, summary FROM runs ORDER BY run_id"),
  };
}

async function secondRun(dir: string, state: State): Promise<void> {
  const release = join(dir, "release");
  // Run A holds the state until the test lets it go (a failpoint: it waits after recording its run).
  const a = spawnAsync(dir, ["run", "--db", state.db, "--out", "a", "--quiet", "r.csv"], { MF_FAILPOINT_HOLD_UNTIL_FILE: release });
  const runA = await until(() => state.running());

  const b = meterflow(dir, "run", "--db", state.db, "--out", "b", "r.csv");
  expect(b.status).toBe(1);
  expect(b.lines).toEqual([`meterflow: run ${runA.run_id} (started ${runA.started_at}) holds the state ${state.db}: wait for it to finish, `
    + "or run again with --wait (MF_ERR_RUN_BUSY)"]);
  expect(existsSync(join(dir, "b"))).toBe(false);

  const c = spawnAsync(dir, ["run", "--db", state.db, "--out", "c", "--quiet", "--wait", "r.csv"]);
  await until(async () => c.stderr().includes(`waiting for run ${runA.run_id}`) || undefined);
  // A waiting run keeps no output directory of its own: one killed while it waits leaves none.
  expect(existsSync(join(dir, "c"))).toBe(false);
  const d = spawnAsync(dir, ["run", "--db", state.db, "--out", "d", "--quiet", "--wait", "r.csv"]);
  await until(async () => d.stderr().includes(`waiting for run ${runA.run_id}`) || undefined);
  d.kill();
  await d.status;
  expect(existsSync(join(dir, "d"))).toBe(false);
  writeFileSync(release, "");
  expect(await a.status).toBe(0);
  expect(await c.status, c.stderr()).toBe(0);
  expect(c.stderr().trim()).toBe(`meterflow: waiting for run ${runA.run_id} (started ${runA.started_at}) to finish (--wait)`);

  // B recorded no run; A billed, C found everything a duplicate.
  const runs = await state.runs();
  expect(runs.map((x) => x.status)).toEqual(["finished", "finished"]);
  const [first, second] = runs.map((x) => JSON.parse(x.summary) as { billable: number; held: number; duplicates: number; in: number });
  expect(first.in).toBe(2);
  expect(second).toMatchObject({ in: 2, billable: 0, held: 0, duplicates: 2 });
}

describe("meterflow run: a plugin's fact that throws", () => {
  it("stops the run with the same one coded line whether the batch is decided in this thread or in a pool's (--threads 2)", () => {
    const dir = workspace();
    writeFileSync(join(dir, "boom.mjs"), THROWING_FACT_PLUGIN);
    writeFileSync(join(dir, "c.json"), JSON.stringify({ plugins: ["./boom.mjs"] }));
    writeFileSync(join(dir, "m.csv"), "meter_id,type\nE-1,electricity.register\nP-1,\n");
    writeFileSync(join(dir, "t.csv"), "meter_id,end,value,turbidity\nE-1,2026-10-31,100,\nP-1,2026-11-30T06:00:00Z,,5\nP-1,2026-11-30T06:12:00Z,,6\n");
    for (const threads of ["0", "2"]) {
      const r = meterflow(dir, "run", "--threads", threads, "--config", "c.json", "--meters", "m.csv", "--db", `s${threads}.db`, "--out", `o${threads}`, "--quiet", "t.csv");
      expect(r.status, threads).toBe(1);
      expect(r.lines, threads).toEqual(["meterflow: [plugin @test/boom] facts:turbidity-class: compute threw: boom at 6 (first at meter P-1, line 4) (MF_ERR_PLUGIN_FACT)"]);
    }
  });
});

describe("meterflow run: a plugin's fact that writes into a column it reads", () => {
  // A fact "capping outliers" in its input column: had the write reached the batch, 15,000 kWh
  // would never be billed (25,100 - 100 billed as 10,000) and the state's register would move.
  const CAPPING = `export default { name: "@test/cap", version: "1.0.0", sdk: "^1.0.0",
    facts: [{ name: "net", description: "consumption, capped", reads: ["consumption"], writes: ["cons_net"],
      compute(input, output, n) { const c = input.consumption; for (let i = 0; i < n; i++) { if (c[i] > 10000) c[i] = 10000; output.cons_net[i] = c[i]; } } }],
    rules: [{ name: "net", rules: [{ name: "big", conditions: { all: [{ fact: "cons_net", operator: "greaterThan", value: 1e9 }] },
      event: { type: "alert", params: { severity: "info", channel: "consumption", message: "big" } } }] }] };`;

  it("bills nothing changed by it: a batch where it writes stops the run with MF_ERR_PLUGIN_FACT; one where it does not bills as without it", () => {
    const dir = workspace();
    writeFileSync(join(dir, "cap.mjs"), CAPPING);
    writeFileSync(join(dir, "c.json"), JSON.stringify({ plugins: ["./cap.mjs"] }));
    writeFileSync(join(dir, "none.json"), JSON.stringify({ plugins: [] }));
    writeFileSync(join(dir, "m.csv"), "meter_id,type,last_reading,last_end\nE-1,electricity.register,100,2026-11-28\n");
    writeFileSync(join(dir, "small.csv"), "meter_id,end,value\nE-1,2026-11-29,5100\n");
    writeFileSync(join(dir, "big.csv"), "meter_id,end,value\nE-1,2026-11-30,25100\n");
    for (const threads of ["0", "2"]) {
      const db = `s${threads}.db`;
      const quiet = meterflow(dir, "run", "--threads", threads, "--config", "c.json", "--meters", "m.csv", "--db", db, "--out", `q${threads}`, "--quiet", "small.csv");
      expect(quiet.status, quiet.stderr).toBe(0);
      expect(readFileSyncLines(join(dir, `q${threads}`, "billing.csv"))[1]).toContain(",100,5100,5000,");
      const r = meterflow(dir, "run", "--threads", threads, "--config", "c.json", "--db", db, "--out", `o${threads}`, "--quiet", "big.csv");
      expect(r.status, threads).toBe(1);
      expect(r.lines, threads).toEqual([`meterflow: [plugin @test/cap] facts:net: compute wrote into column "consumption", which it reads (row 0): `
        + "a fact writes only the columns of its writes (cons_net) (first at meter E-1, line 2) (MF_ERR_PLUGIN_FACT)"]);
      // Without the plugin the same reading bills its whole consumption against the state it left.
      const plain = meterflow(dir, "run", "--threads", threads, "--config", "none.json", "--db", db, "--out", `p${threads}`, "--quiet", "big.csv");
      expect(plain.status, plain.stderr).toBe(0);
      expect(readFileSyncLines(join(dir, `p${threads}`, "billing.csv"))[1]).toContain(",5100,25100,20000,");
    }
  });
});

describe("meterflow run: another run holds the state", () => {
  it("SQLite: says which run and since when, exit 1, writes nothing; --wait waits and then bills nothing twice", async () => {
    const dir = workspace();
    await secondRun(dir, sqliteState(dir));
  });

  it.skipIf(!runPostgresTests)("PostgreSQL: the same", async () => {
    await secondRun(workspace(), postgresState());
  });
});

function readFileSyncLines(path: string): string[] {
  return readFileSync(path, "utf8").trimEnd().split("\n");
}

/** The built command started in the background: its exit status and what it printed on stderr so far. */
function spawnAsync(cwd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  child.stdout.resume();
  const status = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { status, stderr: () => err, kill: () => child.kill("SIGKILL") };
}

/** Polls until `probe` gives a value (the test's own timeout bounds it). */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("meterflow run and meters import: a header that spells a column otherwise", () => {
  const hint = (name: string) => `(the header looks separated by ${name}: meterflow reads comma-separated files; save or convert the file with ',' between fields)`;

  it("says which separator the readings, registry or pulse-events header seems to use", () => {
    const dir = workspace();
    writeFileSync(join(dir, "semi.csv"), "meter_id;end;value\nE-1;2026-11-01;100,5\n");
    writeFileSync(join(dir, "meters.csv"), "meter_id;type\nE-1;electricity.register\n");
    writeFileSync(join(dir, "events.csv"), "meter_id\ttime\nE-1\t2026-11-01T00:00:00Z\n");
    const readings = meterflow(dir, "run", "--db", "s.db", "--out", "out", "semi.csv");
    expect(readings.status).toBe(1);
    expect(readings.lines.at(-1)).toBe(`meterflow: semi.csv: readings CSV header lacks required column "meter_id", "end", "value" ${hint("';'")} (MF_ERR_INPUT_HEADER)`);
    const registry = meterflow(dir, "meters", "import", "--db", "s.db", "meters.csv");
    expect(registry.status).toBe(1);
    expect(registry.lines.at(-1)).toBe(`meterflow: meter registry meters.csv: the header lacks column "meter_id" ${hint("';'")} (MF_ERR_INPUT_HEADER)`);
    const events = meterflow(dir, "run", "--db", "s.db", "--out", "out", "--pulse-events", "events.csv");
    expect(events.status).toBe(1);
    expect(events.lines.at(-1)).toBe(`meterflow: events.csv: pulse events CSV header lacks required column "meter_id" ${hint("tabs")} (MF_ERR_INPUT_HEADER)`);
  });

  it("names the columns written with spaces around them", () => {
    const dir = workspace();
    writeFileSync(join(dir, "spaced.csv"), "meter_id, end, value\nE-1, 2026-11-01, 100\n");
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", "spaced.csv");
    expect(r.status).toBe(1);
    expect(r.lines.at(-1)).toBe('meterflow: spaced.csv: readings CSV header lacks required column "end", "value" '
      + '(the header has " end", " value": write column names without spaces around them) (MF_ERR_INPUT_HEADER)');
  });

  it("gives no hint for a comma-separated header that lacks a column", () => {
    const dir = workspace();
    writeFileSync(join(dir, "other.csv"), "id;x,when,reading\nE-1;1,2026-11-01,100\n");
    const r = meterflow(dir, "run", "--db", "s.db", "--out", "out", "other.csv");
    expect(r.lines.at(-1)).toBe('meterflow: other.csv: readings CSV header lacks required column "meter_id", "end", "value" (MF_ERR_INPUT_HEADER)');
  });
});
