// The built `meterflow` command: help, demo output, and one-line errors with exit status 2.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir();

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("meterflow command", () => {
  it("is executable, as npx and the package's bin run it", () => {
    expect(() => accessSync(BIN, constants.X_OK)).not.toThrow();
    const r = spawnSync(BIN, ["--version"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("lists the plugins a run loads and what they contribute", () => {
    const r = meterflow("plugins", "--json");
    expect(r.status, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { sdk: string; plugins: Array<{ name: string; channels: Array<{ name: string }>; meterTypes: Array<{ name: string }> }> };
    const names = listed.plugins.map((p) => p.name);
    expect(names).toContain("meterflow-environment");
    expect(names).not.toContain("meterflow-cold-chain");
    expect(listed.plugins.flatMap((p) => p.meterTypes.map((t) => t.name))).toContain("water.pulse");
    expect(listed.plugins.flatMap((p) => p.channels.map((c) => c.name))).toEqual(expect.arrayContaining(["temperature", "co2", "supply_voltage", "illuminance.uv"]));
    expect(meterflow("plugins").stdout).toMatch(/^ {2}threshold {3}meterflow-power\/battery-low: backup_battery < 20, warning$/m);
    // A 0/1 flag says it takes whole numbers; a dimensionless channel shows no empty unit.
    expect(meterflow("plugins").stdout).toMatch(/^ {2}channel {5}power_loss \(flag, 0 to 1, whole numbers\)$/m);
    const config = join(mkdtempSync(join(root, "unitless-")), "meterflow.config.json");
    writeFileSync(join(config, "..", "p.mjs"), 'export default { name: "p", version: "1.0.0", sdk: "^1.0.0", sensors: [{ name: "ratio", unit: "", description: "", range: { min: 0, max: 1 } }] };\n');
    writeFileSync(config, JSON.stringify({ plugins: ["./p.mjs"] }));
    expect(meterflow("plugins", "--config", config).stdout).toMatch(/^ {2}channel {5}ratio \(0 to 1\)$/m);
  });

  it("prints help for the program and for each command", () => {
    expect(meterflow("--help")).toMatchObject({ status: 0, stdout: expect.stringContaining("Commands:") });
    expect(meterflow("demo", "--help").stdout).toContain("Usage: meterflow demo");
    expect(meterflow("help", "demo").stdout).toContain("Usage: meterflow demo");
    // Every command takes --help: help too.
    expect(meterflow("help", "--help")).toMatchObject({ status: 0, stdout: expect.stringContaining("Commands:") });
  });

  it("runs the demo: generates a data set, runs it and prints a balanced summary", () => {
    const dir = mkdtempSync(join(root, "case-"));
    const r = spawnSync(process.execPath, [BIN, "demo", "--dir", dir, "--meters", "150", "--days", "20"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"));
    expect(summary.in).toBe(summary.billable + summary.held + summary.rejected + summary.duplicates + summary.sensor);
    expect(summary.sensor).toBeGreaterThan(0);
    expect(summary.rejected).toBeGreaterThanOrEqual(12);
    expect(r.stdout).toMatch(/alerts by rule/);
    expect(r.stdout).toMatch(new RegExp(`billable\\s+${summary.billable.toLocaleString("en")}\\s`));
    expect(r.stdout).toContain("balanced");
    expect(r.stdout).toMatch(/rejected because/);
  });

  it("answers a user's mistake with one line and exit status 2", () => {
    for (const args of [["frobnicate"], ["demo", "--bogus"], ["demo", "--meters", "-3"], ["run", "--db"]]) {
      const r = meterflow(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/^meterflow: /);
    }
  });

  it("names what is missing when run cannot start", () => {
    const dir = mkdtempSync(join(root, "case-"));
    const missing = meterflow("run", "--db", join(dir, "x.db"), "--out", join(dir, "out"), join(dir, "nope.csv"));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^meterflow: cannot read input .*nope\.csv: no such file \(MF_ERR_RUN\)$/);
    expect(meterflow("run", "--out", dir, "x.csv").stderr).toContain("--db");
  });
});
