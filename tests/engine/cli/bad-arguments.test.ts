// Every command of `meterflow` with bad arguments (issue 14, "done when"): exit 2 for a usage
// mistake, 1 when it could not run, exactly one line on standard error (or a coded error whole),
// no stack trace, and nothing written. The commands come from main.ts's COMMANDS table, so a
// command added later is covered without touching this file; its subcommands are the ones it
// declares, and the test checks its help names no other.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../engine/cli/main.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-bad-args-");
let n = 0;

/** Each command, and each of its subcommands, as the words that name it. */
const paths: string[][] = Object.entries(COMMANDS).flatMap(([name, command]) =>
  [[name], ...(command.subcommands ?? []).map((sub) => [name, sub])]);

/** A fresh working directory holding one readings file (so "nothing written" is: nothing else). */
function workspace(): string {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "r.csv"), "meter_id,end,value\nE-1,2026-11-01,100\n");
  return dir;
}

/** Runs the built command in a fresh directory; checks the common rules and returns what it printed. */
function expectRefused(args: string[], status: 1 | 2 | "1 or 2"): string[] {
  const dir = workspace();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  const what = `meterflow ${args.join(" ")}\n${r.stderr}`;
  expect(r.signal, what).toBeNull();
  if (status === "1 or 2") expect([1, 2], what).toContain(r.status);
  else expect(r.status, what).toBe(status);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines[0], what).toMatch(/^meterflow: \S/);
  expect(r.stderr, what).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  if (r.status === 2 || lines.length > 1) {
    // A usage mistake is one line; a longer error is a coded one printed whole (problems indented).
    if (r.status === 2) expect(lines, what).toHaveLength(1);
    else {
      expect(lines[0], what).toMatch(/\(MF_ERR_[A-Z_]+\)$/);
      for (const line of lines.slice(1)) expect(line, what).toMatch(/^ {2}\S/);
    }
  }
  expect(readdirSync(dir), `${what}: nothing written`).toEqual(["r.csv"]);
  return lines;
}

describe("every command with bad arguments", () => {
  it("covers the commands in the table, and each declares the subcommands its help shows", async () => {
    expect(paths.length).toBeGreaterThanOrEqual(10);
    for (const [name, command] of Object.entries(COMMANDS)) {
      const { help } = await command.load();
      const shown = [...help.matchAll(new RegExp(`^(?:Usage:)?\\s*meterflow ${name} ([a-z][a-z-]*)\\b`, "gm"))].map((m) => m[1]);
      expect([...(command.subcommands ?? [])].sort(), name).toEqual([...new Set(shown)].sort());
    }
  });

  it.each(paths.map((p) => [p.join(" "), p]))("%s: an unknown option is a usage mistake, said in one balanced line", (_, path) => {
    const [line] = expectRefused([...path, "--bogus-option"], 2);
    expect(line).toMatch(/^meterflow: unknown (option --bogus-option|\S+ command)/);
    expect((line.match(/"/g) ?? []).length % 2).toBe(0);
    expect((line.match(/'/g) ?? []).length % 2).toBe(0);
  });

  it.each(paths.map((p) => [p.join(" "), p]))("%s: an option without its value, or a stray negative number, is a usage mistake", (_, path) => {
    expectRefused([...path, "--db"], 2);
    expectRefused([...path, "-5"], 2);
  });

  // The first option of the command's usage line that takes a value, given twice: the last one
  // used to win silently (`run --meters a.csv --meters b.csv` imported b.csv alone).
  const withOptions = paths.filter((p) => p[0] !== "version" && (p.length === 2 || COMMANDS[p[0]].subcommands === undefined));
  it.each(withOptions.map((p) => [p.join(" "), p]))("%s: an option that takes one value given twice is a usage mistake naming it", async (_, path) => {
    // The subcommand's own usage line when the help has one per subcommand (held list, held release).
    const lines = (await COMMANDS[path[0]].load()).help.split("\n");
    const usage = lines.find((l) => l.includes(`meterflow ${path.join(" ")} `)) ?? lines[0];
    const option = /(--[a-z-]+) [A-Z]/.exec(usage)?.[1];
    expect(option, usage).toBeDefined();
    const [line] = expectRefused([...path, `${option}=first`, option as string, "second"], 2);
    expect(line).toMatch(new RegExp(`^meterflow: ${option} was given twice \\(first, then second\\): it takes one value; (only --|no option)`));
  });

  it("run: which options may repeat is said; those that may, may", () => {
    const base = ["run", "--db", "state.db", "--out", "out"];
    for (const option of ["--meters", "--db", "--out", "--format", "--batch-size"]) {
      const [line] = expectRefused(["run", option, "a", option, "b", "r.csv"], 2);
      expect(line).toBe(`meterflow: ${option} was given twice (a, then b): it takes one value; only --rules and --pulse-events may be repeated`);
    }
    // Repeated --rules get as far as reading the files (not there: exit 1), not a usage mistake.
    const [line] = expectRefused([...base, "--rules", "a.json", "--rules", "b.json", "r.csv"], 1);
    expect(line).not.toContain("given twice");
  });

  it.each(paths.map((p) => [p.join(" "), p]))("%s: files that are not there: refused (1 or 2), nothing created", (_, path) => {
    expectRefused([...path, "--db", "state.db", "--out", "out", "missing.csv"], "1 or 2");
  });

  it.each(Object.entries(COMMANDS).filter(([, c]) => c.subcommands !== undefined).map(([name]) => [name]))(
    "%s: an unknown or missing subcommand is a usage mistake", (name) => {
      expectRefused([name, "nosuch"], 2);
      expectRefused([name], 2);
    });

  it("the command itself: an unknown command, help on no command, version with arguments", () => {
    expect(expectRefused(["nosuch"], 2)).toEqual(['meterflow: unknown command "nosuch" (see meterflow --help)']);
    expect(expectRefused(["help", "nosuch"], 2)).toEqual(['meterflow: no help on "nosuch": no such command (see meterflow --help)']);
    expectRefused(["version", "extra"], 2);
  });

  it("held: an option of the other subcommand is unknown, not taken and ignored (audit: held list --rules x was accepted)", () => {
    expect(expectRefused(["held", "list", "--rules", "x.json", "--db", "s.db"], 2)).toEqual(["meterflow: unknown option --rules for meterflow held (see meterflow held --help)"]);
    expect(expectRefused(["held", "release", "M@2026-11-01", "--limit", "5", "--reason", "r", "--db", "s.db"], 2))
      .toEqual(["meterflow: unknown option --limit for meterflow held (see meterflow held --help)"]);
  });

  it("run: numbers out of range and unknown formats say the allowed values (exit 2)", () => {
    const base = ["run", "--db", "state.db", "--out", "out"];
    expect(expectRefused([...base, "--batch-size", "-5", "r.csv"], 2)).toEqual(["meterflow: --batch-size must be an integer from 1 to 16,777,216, got -5"]);
    expect(expectRefused([...base, "--batch-size", "99999999999", "r.csv"], 2)).toEqual(["meterflow: --batch-size must be an integer from 1 to 16,777,216, got 99999999999"]);
    expect(expectRefused([...base, "--future-days", "-1", "r.csv"], 2)).toEqual(["meterflow: --future-days must be an integer from 0 to 1,000,000, got -1"]);
    expect(expectRefused(["serve", "--db", "state.db", "--future-days", "x"], 2)).toEqual(["meterflow: --future-days must be an integer from 0 to 1,000,000, got x"]);
    expectRefused([...base, "--batch-size", "1.5", "r.csv"], 2);
    expectRefused([...base, "--threads", "many", "r.csv"], 2);
    expect(expectRefused([...base, "--input-format", "xml", "r.csv"], 2)).toEqual(["meterflow: --input-format must be csv, ndjson or msgpack, got xml"]);
    expectRefused([...base, "--format", "xml", "r.csv"], 2);
    expect(expectRefused(["run", "--bogus"], 2)).toEqual(["meterflow: unknown option --bogus for meterflow run (see meterflow run --help)"]);
    // A number left out takes the readings file for its value: said as the option's, not as a run without readings.
    expect(expectRefused([...base, "--batch-size", "r.csv"], 2)).toEqual(["meterflow: --batch-size must be an integer from 1 to 16,777,216, got r.csv"]);
    expect(expectRefused([...base, "--threads", "r.csv"], 2)).toEqual(["meterflow: --threads must be an integer from 0 to 1,024, got r.csv"]);
    // An empty file name is a usage mistake, not a file that cannot be read (audit: exit 1, MF_ERR_RUN).
    expect(expectRefused([...base, "--meters=", "r.csv"], 2)).toEqual(["meterflow: --meters needs a file (see meterflow run --help)"]);
    expect(expectRefused([...base, "--config", "", "r.csv"], 2)).toEqual(["meterflow: --config needs a file (see meterflow run --help)"]);
  });

  it("worker: an unknown output format or thread count says the allowed values (exit 2), before connecting", () => {
    const base = ["worker", "--nats", "nats://127.0.0.1:1", "--db", "postgres://127.0.0.1:1/none"];
    expect(expectRefused([...base, "--format", "xml"], 2)).toEqual(["meterflow: --format must be ndjson or csv, got xml"]);
    expect(expectRefused([...base, "--threads", "-1"], 2)).toEqual(["meterflow: --threads must be a whole number from 0 to 256, got -1"]);
  });

  it("commands that could not run: exit 1, one line, nothing written", () => {
    const cases: string[][] = [
      ["run", "--db", "state.db", "--out", "out", "missing.csv"],
      ["run", "--db", "state.db", "--out", "/proc/nope", "r.csv"],
      ["run", "--db", "state.db", "--out", "r.csv", "r.csv"],
      ["meters", "import", "--db", "state.db", "missing.csv"],
      ["held", "list", "--db", "state.db"],
      ["held", "release", "E-1@2026-11-01", "--reason", "checked", "--db", "state.db"],
      ["temp-bad", "set", "E-1", "--reason", "probe", "--db", "state.db"],
      ["temp-bad", "clear", "E-1", "--reason", "probe", "--db", "state.db"],
      ["temp-bad", "list", "--db", "state.db"],
      ["plugins", "--config", "missing.json"],
      ["rules", "check", "--config", "missing.json"],
      ["demo", "--dir", "r.csv"],
      ["demo", "--dir", "/proc/nope"],
    ];
    for (const args of cases) expect(expectRefused(args, 1), args.join(" ")).toHaveLength(1);
  });
});
