// Issue 14 item 8, the demo as a newcomer meets it: `meterflow demo` prints the worked-examples
// table the README promises (the README's rows, computed by the kernel), and its minimums are
// stated in `--help` and in the one line that refuses a smaller demo (exit 2, nothing written).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WORKED_EXAMPLES_HEADER, workedExamples } from "../../../engine/demo/index.js";
import type { RunSummary } from "../../../engine/runtime/run.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir("meterflow-demo-command-");

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The README's worked-examples table, as cells (backticks dropped). */
function readmeExamples(): string[][] {
  const text = readFileSync(join(packageRoot(), "README.md"), "utf8");
  const at = text.indexOf("| previous | current | configuration | consumption | flags |");
  expect(at).toBeGreaterThan(0);
  const lines = text.slice(at).split("\n");
  const rows: string[][] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|").slice(1, -1).map((c) => c.trim().replaceAll("`", "")));
  }
  return rows;
}

describe("the worked examples", () => {
  it("the kernel computes exactly the README's table", () => {
    const readme = readmeExamples();
    expect(readme.length).toBe(13);
    expect(workedExamples()).toEqual(readme);
  });
});

describe("meterflow demo", () => {
  it("prints the worked-examples table after the run's summary", () => {
    const r = meterflow("demo", "--dir", "d", "--meters", "100", "--days", "14");
    expect(r.stderr.split("\n").filter((l) => l.startsWith("meterflow:") && !/rows\/s$/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const header = lines.findIndex((l) => /^previous\s+current\s+configuration\s+consumption\s+flags$/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines[header - 2]).toContain("computed by the consumption kernel");
    const printed = lines.slice(header + 2, header + 2 + 13).map((l) => l.trim());
    // Each printed row holds the README's cells in order (the table pads them with spaces).
    readmeExamples().forEach((cells, i) => {
      const pattern = new RegExp(`^${cells.filter((c) => c !== "").map((c) => c.replace(/[().,]/g, "\\$&")).join("\\s+")}$`);
      expect(printed[i]).toMatch(pattern);
    });
    expect(lines[header + 2 + 13].trim()).toBe("");
  }, 180_000);

  // The demo's last lines print a rerun command: run as printed, every reading is a duplicate. It
  // left out the demo's batch size, so its batches were cut anew and sensor rows decided again
  // (`sensor 575`, `sensors.late` 1,726 on this size; more than one batch of the demo's needed).
  it("the rerun command it prints finds every reading a duplicate", () => {
    const first = meterflow("demo", "--dir", "again", "--meters", "300", "--days", "30");
    expect(first.status, first.stderr).toBe(0);
    const lines = first.stdout.split("\n");
    const at = lines.indexOf("Run it again on the same state and everything is a duplicate:");
    expect(at).toBeGreaterThan(0);
    const words = [...lines[at + 1].trim().matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => m[2] ?? m[1].replaceAll("'\\''", "'"));
    expect(words.slice(0, 3)).toEqual(["npx", "meterflow", "run"]);
    const rerun = meterflow(...words.slice(2), "--quiet");
    expect(rerun.status, rerun.stderr).toBe(0);
    const summaryOf = (out: string) => JSON.parse(readFileSync(join(dir, "again", out, "summary.json"), "utf8")) as RunSummary;
    const [once, twice] = [summaryOf("out"), summaryOf("out2")];
    expect(twice.in).toBe(once.in);
    expect(once.in).toBeGreaterThan(2 * 4096);
    expect({ billable: twice.billable, held: twice.held, sensor: twice.sensor, late: twice.sensors.late, alerts: twice.alerts })
      .toEqual({ billable: 0, held: 0, sensor: 0, late: 0, alerts: 0 });
    expect(twice.duplicates).toBe(twice.in - twice.rejected);
    expect(twice.rejected).toBe(once.rejected);
  }, 180_000);

  it("states its minimums in --help, and a smaller demo is refused with them in one line, exit 2, nothing written", () => {
    const help = meterflow("demo", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--meters N\s+meters in the registry, at least 100 \(default 3000\)/);
    expect(help.stdout).toMatch(/--days N\s+days of readings, at least 14 \(default 60\)/);
    for (const [option, value, min] of [["--meters", "60", 100], ["--days", "3", 14]] as const) {
      const r = meterflow("demo", "--dir", "small", option, value);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([
        `meterflow: ${option} must be an integer >= ${min} (the smallest demo that holds every planted case), got ${value}`,
      ]);
      expect(existsSync(join(dir, "small"))).toBe(false);
    }
  });

  it("refuses a --dir it cannot write (a file, or a file in its path) in one coded line, exit 1, before generating anything", () => {
    writeFileSync(join(dir, "a-file.csv"), "x\n");
    for (const at of ["a-file.csv", "a-file.csv/deeper"]) {
      const r = meterflow("demo", "--dir", at, "--meters", "100", "--days", "14");
      expect(r.status, at).toBe(1);
      expect(r.stdout, at).toBe("");
      expect(r.stderr.trim().split("\n"), at).toEqual([`meterflow: cannot write to ${at}: a file is in the way (not a directory) (MF_ERR_OUTPUT_DIR)`]);
    }
    expect(readFileSync(join(dir, "a-file.csv"), "utf8")).toBe("x\n");
  });

  it("shows the table's header the README uses", () => {
    expect(WORKED_EXAMPLES_HEADER).toEqual(["previous", "current", "configuration", "consumption", "flags"]);
  });
});
