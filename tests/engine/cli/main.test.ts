// The built `meterflow` command: help, demo output, and one-line errors with exit status 2.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("meterflow command", () => {
  it("prints help for the program and for each command", () => {
    expect(meterflow("--help")).toMatchObject({ status: 0, stdout: expect.stringContaining("Commands:") });
    expect(meterflow("demo", "--help").stdout).toContain("Usage: meterflow demo");
    expect(meterflow("help", "demo").stdout).toContain("Usage: meterflow demo");
  });

  it("runs the demo: worked examples from the kernel and a synthetic run", () => {
    const r = meterflow("demo", "--readings", "5000");
    expect(r.status).toBe(0);
    const line = (meter: string) => r.stdout.split("\n").find((l) => l.startsWith(meter)) ?? "";
    expect(line("E-1002")).toMatch(/\s125\s/);
    expect(line("W-2004")).toMatch(/\s1\s+rollover\s/);
    expect(line("G-3002")).toContain("implausible_rollover");
    expect(line("H-4001")).toContain("initial");
    expect(r.stdout).toContain("5,000 synthetic readings");
  });

  it("runs the demo on the reference implementation too", () => {
    const r = meterflow("demo", "--readings", "10", "--implementation", "reference");
    expect(r.stdout).toContain("(kernel: reference)");
  });

  it("answers a user's mistake with one line and exit status 2", () => {
    for (const args of [["frobnicate"], ["demo", "--bogus"], ["demo", "--readings", "-3"]]) {
      const r = meterflow(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/^meterflow: /);
    }
  });

  it("refuses an unknown implementation with the option's name", () => {
    const r = meterflow("demo", "--implementation", "gpu");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('option "implementation"');
  });
});
