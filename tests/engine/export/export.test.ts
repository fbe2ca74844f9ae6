// `meterflow export` (issue 15 item 4): the files of a run, written from what the store
// committed, equal the files the run wrote, row for row, on SQLite and on PostgreSQL; `--since`
// exports only the batches after a previous export; operators' releases are exported too.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const data = await generateDemoData({ dir: join(dir, "data"), meters: 120, days: 20 });

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rows = (path: string) => readFileSync(path, "utf8").trim().split("\n").slice(1);
// An export lists the run's rows in the run's order (a batch's billing rows bucket by bucket,
// its held rows by reading id, as the store keeps them): compared row for row. An export after a
// second run's batches is compared with that run as sets (its batches' order is the store's).
const sorted = (path: string) => rows(path).sort();
const FILES = ["billing.csv", "held.csv", "alerts.csv", "rejected.csv"];

const stores: Array<[string, (name: string) => string, boolean]> = [
  ["SQLite", (name) => join(dir, `${name}.db`), true],
  ["PostgreSQL", () => testStoreUrl(), runPostgresTests],
];

describe.each(stores)("meterflow export on %s", (name, dbOf, enabled) => {
  it.runIf(enabled)("writes the run's files row for row from what was committed", () => {
    const db = dbOf("export");
    const runOut = join(dir, `${name}-run`);
    const run = meterflow("run", "--quiet", "--batch-size", "700", "--meters", data.files.meters, "--config", data.files.config,
      "--pulse-events", data.files.pulseEvents, "--db", db, "--out", runOut, data.files.readings, data.files.pulseReadings, data.files.coldChain);
    expect(run.status, run.stderr).toBe(0);
    const ran = JSON.parse(readFileSync(join(runOut, "summary.json"), "utf8"));
    expect(ran.rejected).toBeGreaterThan(0);
    expect(ran.alerts).toBeGreaterThan(0);

    const exportOut = join(dir, `${name}-export`);
    const exported = meterflow("export", "--db", db, "--out", exportOut);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^exported \d+ batches: /);
    for (const file of FILES) expect(rows(join(exportOut, file)), file).toEqual(rows(join(runOut, file)));
    const summary = JSON.parse(readFileSync(join(exportOut, "summary.json"), "utf8"));
    for (const key of ["in", "billable", "held", "rejected", "duplicates", "sensor", "corrections", "alerts", "batches"]) {
      expect(summary[key], key).toBe(ran[key]);
    }
    expect(summary.balanced).toBe(true);
    for (const key of ["held_reasons", "rejected_reasons", "billed_flags", "alert_rules", "pulse_faults"]) expect(summary[key], key).toEqual(ran[key]);
    expect(Object.keys(ran.pulse_faults).length).toBeGreaterThan(0);

    // A second night, then an export of what came after the first export only.
    const night2 = join(dir, `${name}-night2.csv`);
    const ids = rows(data.files.meters).map((l) => l.split(",")[0]).slice(0, 5);
    writeFileSync(night2, ["meter_id,end,value", ...ids.map((id, i) => `${id},2099-01-01,${i}`), "bad-row"].join("\n"));
    const second = meterflow("run", "--quiet", "--future-days", "100000", "--db", db, "--out", join(dir, `${name}-run2`), night2);
    expect(second.status, second.stderr).toBe(0);
    const since = meterflow("export", "--db", db, "--out", join(dir, `${name}-since`), "--since", summary.range.last);
    expect(since.status, since.stderr).toBe(0);
    for (const file of FILES) expect(sorted(join(dir, `${name}-since`, file)), file).toEqual(sorted(join(dir, `${name}-run2`, file)));
    const part = (file: string) => rows(join(dir, `${name}-since`, file)).length;
    expect(part("billing.csv") + part("held.csv")).toBe(5);
    expect(part("rejected.csv")).toBe(1);
    // Nothing new: no range, and next_since is what this export was given, for the next one.
    const sinceSummary = JSON.parse(readFileSync(join(dir, `${name}-since`, "summary.json"), "utf8"));
    expect(sinceSummary.next_since).toBe(sinceSummary.range.last);
    const none = meterflow("export", "--db", db, "--out", join(dir, `${name}-none`), "--since", sinceSummary.next_since);
    expect(none.status, none.stderr).toBe(0);
    const empty = JSON.parse(readFileSync(join(dir, `${name}-none`, "summary.json"), "utf8"));
    expect(empty).toMatchObject({ batches: 0, in: 0, range: null, next_since: sinceSummary.next_since });
  });
});

describe("meterflow export before anything was committed", () => {
  it("gives a next_since the next export takes, so a nightly chain starts from the first night (cluster audit: null was refused)", () => {
    const db = join(dir, "empty-then-night.db");
    const registry = meterflow("meters", "import", "--db", db, data.files.meters);
    expect(registry.status, registry.stderr).toBe(0);
    const first = meterflow("export", "--db", db, "--out", join(dir, "empty-1"));
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "empty-1", "summary.json"), "utf8"));
    expect(summary).toMatchObject({ batches: 0, range: null, next_since: "" });
    const run = meterflow("run", "--quiet", "--db", db, "--out", join(dir, "empty-run"), data.files.readings);
    expect(run.status, run.stderr).toBe(0);
    const next = meterflow("export", "--db", db, "--out", join(dir, "empty-2"), "--since", summary.next_since);
    expect(next.status, next.stderr).toBe(0);
    expect(rows(join(dir, "empty-2", "billing.csv"))).toEqual(rows(join(dir, "empty-run", "billing.csv")));
  });
});

describe("meterflow export mistakes", () => {
  it("answers with one line and exit 2 for usage, 1 when the store is missing", () => {
    expect(meterflow("export", "--db", join(dir, "none.db")).status).toBe(2);
    const missing = meterflow("export", "--db", join(dir, "none.db"), "--out", join(dir, "none"));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^meterflow: no meterflow state at /);
    const since = meterflow("export", "--db", join(dir, "none.db"), "--out", join(dir, "none"), "--since", "yesterday");
    expect(since.status).toBe(2);
    // Hex, but not a batch id's length (one cut short in a copy): says how long a batch id is.
    const short = meterflow("export", "--db", join(dir, "none.db"), "--out", join(dir, "none"), "--since", "abcdef0123");
    expect(short.status).toBe(2);
    expect(short.stderr.trim()).toBe("meterflow: --since abcdef0123 is 10 hex digits: a batch id has 32 (summary.json's next_since, whole); "
      + "or give an ISO time (2026-12-04T02:00:00Z)");
  });
});
