// How the CLI prints an error (issue 13 item 5): a coded error whole, every problem line under
// the first with the code, a long list cut with a count; a usage mistake one line, status 2.
import { closeSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../engine/cli/errors.js";
import { describeError, MAX_PROBLEM_LINES } from "../../../engine/cli/report.js";
import { MeterflowError } from "../../../engine/errors.js";
import { PluginError } from "../../../sdk/errors.js";
import { tempDir } from "../../helpers/tmp.js";

describe("describeError", () => {
  it("prints every problem of a coded error, the code on the first line", () => {
    const problems = [{ path: "thresholds[0].channel", message: '"soil_moist" is not a channel of this plugin' }, { path: "sensors[0].range", message: "min must be below max" }];
    const error = new PluginError("MF_ERR_PLUGIN_INVALID", "x", "register",
      `invalid descriptor (2 problems):${problems.map((p) => `\n  ${p.path}: ${p.message}`).join("")}`, { problems });
    expect(describeError(error)).toEqual({ status: 1, lines: [
      "meterflow: [plugin x] register: invalid descriptor (2 problems): (MF_ERR_PLUGIN_INVALID)",
      '  thresholds[0].channel: "soil_moist" is not a channel of this plugin',
      "  sensors[0].range: min must be below max",
    ] });
  });

  it("prints a PluginError of another copy of the SDK (a plugin's own import beside the bundled bin) as coded too", () => {
    class PluginError extends Error {
      override name = "PluginError";
      constructor(readonly code: string, message: string) {
        super(message);
      }
    }
    expect(describeError(new PluginError("MF_ERR_PLUGIN_HOOK", "[plugin y] setup: setup failed: no device"))).toEqual({ status: 1, lines: [
      "meterflow: [plugin y] setup: setup failed: no device (MF_ERR_PLUGIN_HOOK)",
    ] });
  });

  it("cuts a long list with a count", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `  problem ${i}`);
    const { lines: printed } = describeError(new MeterflowError("MF_ERR_X", ["30 problems:", ...lines].join("\n")));
    expect(printed).toHaveLength(MAX_PROBLEM_LINES + 1);
    expect(printed[0]).toBe("meterflow: 30 problems: (MF_ERR_X)");
    expect(printed.slice(1, -1)).toEqual(lines.slice(0, MAX_PROBLEM_LINES - 1));
    expect(printed.at(-1)).toBe(`  ... and ${30 - (MAX_PROBLEM_LINES - 1)} more`);
  });

  it("keeps a usage mistake to one line, status 2; a refused file operation to one line with its code, status 1", () => {
    expect(describeError(new UsageError("--db needs a value\nmore"))).toEqual({ status: 2, lines: ["meterflow: --db needs a value"] });
    const system = Object.assign(new Error("ENOTDIR: not a directory, lstat 'x/state.db'"), { code: "ENOTDIR", syscall: "lstat", path: "x/state.db" });
    expect(describeError(system)).toEqual({ status: 1, lines: ["meterflow: cannot lstat x/state.db: not a directory (MF_ERR_FILE)"] });
  });

  it("says the system's refusals as Node raises them, each in one coded line", () => {
    const dir = tempDir("meterflow-report-");
    mkdirSync(join(dir, "d"));
    writeFileSync(join(dir, "f"), "");
    const refused = (step: () => void) => {
      try {
        step();
      } catch (error) {
        return describeError(error);
      }
      throw new Error("not refused");
    };
    expect(refused(() => renameSync(join(dir, "f"), join(dir, "d")))).toEqual({ status: 1,
      lines: [`meterflow: cannot rename ${join(dir, "f")} to ${join(dir, "d")}: illegal operation on a directory (MF_ERR_FILE)`] });
    // rmSync's SystemError (ERR_FS_EISDIR) carries its reason apart.
    expect(refused(() => rmSync(join(dir, "d"), { force: true }))).toEqual({ status: 1, lines: [`meterflow: cannot rm ${join(dir, "d")}: is a directory (MF_ERR_FILE)`] });
    expect(refused(() => closeSync(2 ** 30))).toEqual({ status: 1, lines: ["meterflow: close failed: bad file descriptor (MF_ERR_FILE)"] });
  });

  it("keeps the stack of anything else (a bug)", () => {
    const { lines, status } = describeError(new TypeError("x is undefined"));
    expect(status).toBe(1);
    expect(lines[0]).toMatch(/^TypeError: x is undefined\n\s+at /);
  });
});
