// describeConformance on plugins that conform (their tests below must pass), and, in a separate
// vitest run, on plugins that break one rule each: the suite must fail exactly the first check
// concerned, with the error's code, and skip the checks that need it, saying why.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { defineFact, definePlugin } from "../../../sdk/index.js";
import { BUILTIN_PLUGINS, describeConformance } from "../../../sdk/testing/index.js";
import { climate, coldChain, meters } from "../fixtures.js";
import { tempDir } from "../../helpers/tmp.js";

const frost = definePlugin({
  name: "test-frost",
  version: "1.0.0",
  sdk: "^1.0.0",
  dependencies: { "meterflow-environment": "^1.0.0" },
  thresholds: [{ name: "frost", channel: "temperature", below: 0, forMinutes: 30, severity: "warning", message: "below 0 °C for 30 min" }],
  facts: [defineFact({ name: "dew-margin", description: "", reads: ["temperature", "dew_point"], writes: ["dew_margin"], compute(input, output, n) {
    for (let i = 0; i < n; i++) output.dew_margin[i] = (input.temperature[i] as number) - (input.dew_point[i] as number);
  } })],
});

describeConformance(climate);
describeConformance(coldChain, { dependencies: [climate] });
// Meter types of its own: water.register and water.pulse are the built-in water plugin's.
describeConformance({ ...meters, meterTypes: meters.meterTypes.map((t) => ({ ...t, name: t.name.replace("water.", "testwater.") })) });
// A plugin depending on a built-in, given from BUILTIN_PLUGINS, or found there.
describeConformance(frost, { dependencies: BUILTIN_PLUGINS.filter((p) => p.name === "meterflow-environment") });
describeConformance(frost);

describe("describeConformance options", () => {
  it("refuses options that would make the fact checks test nothing (a column range given as an array fills every column with NaN)", () => {
    expect(() => describeConformance(climate, { columns: { consumption: [0, 100] } as never })).toThrow(
      /options\.columns\.consumption must be \{ min, max \} with finite numbers, min <= max; got \[0,100\]/);
    expect(() => describeConformance(climate, { columns: { consumption: { min: 5, max: 1 } } })).toThrow(TypeError);
    expect(() => describeConformance(climate, { batchSize: 1 })).toThrow(/options\.batchSize must be/);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const dir = tempDir("meterflow-conformance-");

interface Result { fullName: string; status: string; failureMessages: string[] }

describe("describeConformance on broken plugins", () => {
  const out = join(dir, "report.json");
  let run: ReturnType<typeof spawnSync>;
  let results: Result[] = [];
  const names = (status: string) => results.filter((t) => t.status === status).map((t) => t.fullName.replace("meterflow plugin conformance: ", "")).sort();

  beforeAll(() => {
    const vitest = join(root, "node_modules/vitest/vitest.mjs");
    run = spawnSync(process.execPath, [vitest, "run", "--config", join(here, "fixtures/vitest.config.ts"), "--reporter=verbose", "--reporter=json", `--outputFile.json=${out}`], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
    const report = JSON.parse(readFileSync(out, "utf8")) as { testResults: Array<{ assertionResults: Result[] }> };
    results = report.testResults.flatMap((f) => f.assertionResults);
  });

  it("fails exactly the first check each plugin breaks", () => {
    expect(run.status, String(run.stderr)).toBe(1);
    expect(names("failed")).toEqual(
      [
        "future-sdk sdk range ^2.0.0 includes SDK 1.0.0",
        "one-fault sdk range ^2.0.0 includes SDK 1.0.0",
        "invalid descriptor validates",
        "bad-pulse descriptor validates",
        "limit-outside descriptor validates",
        "limit-at-max descriptor validates",
        "hysteresis-wide descriptor validates",
        "typo-input descriptor validates",
        "clash-builtin registers beside the built-in plugins in a fresh registry",
        "mutates-input fact clamp: computes a random batch without throwing and writes only level_clamped",
        "zero-for-nan fact zero: NaN in every column it writes where all of level are NaN",
        "random fact noise: deterministic",
        "batch-mean fact relative: row by row (a row's output comes from that row alone, however the batch is cut or ordered)",
        "throws fact boom: computes a random batch without throwing and writes only level_boom",
        "returns-values fact double: computes a random batch without throwing and writes only level_double",
        "writes-text fact text: writes numbers into level_text where every input is present",
        "failing-setup setup and teardown run without throwing",
        "event-typo rule files name only facts, operators and event types that exist beside the built-in plugins",
        "lint-warning rule files pass the rule linter without warnings",
      ].sort(),
    );
  });

  it("skips the checks that need a failed one, saying which failed", () => {
    const skipped = names("skipped");
    expect(skipped.filter((n) => n.startsWith("one-fault "))).toEqual([
      "one-fault channel level: accepts min, max and midpoint, rejects just outside and NaN",
      "one-fault fact half: NaN in every column it writes where all of level are NaN",
      "one-fault fact half: computes a random batch without throwing and writes only level_half",
      "one-fault fact half: deterministic",
      "one-fault fact half: row by row (a row's output comes from that row alone, however the batch is cut or ordered)",
      "one-fault fact half: writes numbers into level_half where every input is present",
      "one-fault registers beside the built-in plugins in a fresh registry",
      "one-fault rule files name only facts, operators and event types that exist beside the built-in plugins",
      "one-fault rule files pass the rule linter without warnings",
      "one-fault setup and teardown run without throwing",
      "one-fault threshold low: a value beyond the limit 10 lies inside channel level's range",
      "one-fault threshold low: fires once at limit - epsilon just after 5 min, not at 5 min, never at the limit",
    ]);
    expect(skipped).toContain("throws fact boom: deterministic");
    expect(skipped).toContain("random fact noise: row by row (a row's output comes from that row alone, however the batch is cut or ordered)");
    expect(skipped).toContain("clash-builtin channel temperature: accepts min, max and midpoint, rejects just outside and NaN");
    expect(skipped).toContain("invalid registers beside the built-in plugins in a fresh registry");
    const stdout = String(run.stdout);
    expect(stdout).toMatch(/one-fault > setup and teardown run without throwing.*\[because "sdk range \^2\.0\.0 includes SDK 1\.0\.0" failed\]/);
    expect(stdout).toMatch(/throws > fact boom: deterministic.*\[because "fact boom: computes a random batch without throwing and writes only level_boom" failed\]/);
    // The one-line summary of a failure shows the code too.
    expect(stdout).toContain('→ MF_ERR_PLUGIN_CONFLICT [plugin clash-builtin] register: channel "temperature" is a channel of plugin "meterflow-environment"');
    expect(stdout).toMatch(/typo-input > registers beside the built-in plugins in a fresh registry.*\[because "descriptor validates" failed\]/);
  });

  it("shows each failure with its error code and what is wrong", () => {
    const message = (name: string) => results.find((t) => t.fullName === `meterflow plugin conformance: ${name}`)?.failureMessages.join("\n") ?? "";
    expect(message("clash-builtin registers beside the built-in plugins in a fresh registry")).toContain(
      'PluginError: MF_ERR_PLUGIN_CONFLICT [plugin clash-builtin] register: channel "temperature" is a channel of plugin "meterflow-environment"',
    );
    expect(message("typo-input descriptor validates")).toContain('PluginError: MF_ERR_PLUGIN_INVALID [plugin typo-input] validatePlugin: invalid descriptor (1 problem):\n  facts[0].reads[0]: "levl" is provided by nothing');
    expect(message("invalid descriptor validates")).toContain("MF_ERR_PLUGIN_INVALID [plugin invalid] validatePlugin: invalid descriptor (1 problem):\n  sensor: unknown field");
    expect(message("limit-at-max descriptor validates")).toContain("thresholds[0].above: 100 is the max of channel \"level\"'s range 0..100");
    expect(message("hysteresis-wide descriptor validates")).toContain("thresholds[0].hysteresis: 1000 reaches outside channel \"level\"'s range 0..100");
    expect(message("future-sdk sdk range ^2.0.0 includes SDK 1.0.0")).toContain("PluginError: MF_ERR_PLUGIN_SDK_RANGE [plugin future-sdk] sdk: needs SDK ^2.0.0, this is SDK 1.0.0");
    expect(message("throws fact boom: computes a random batch without throwing and writes only level_boom")).toContain("PluginError: MF_ERR_PLUGIN_FACT [plugin throws] facts:boom");
    expect(message("returns-values fact double: computes a random batch without throwing and writes only level_double")).toContain(
      "PluginError: MF_ERR_PLUGIN_FACT [plugin returns-values] facts:double: compute returned an array: what it returns is dropped; it must write each row's value into its output column (output.level_double[i] = ...)",
    );
    expect(message("writes-text fact text: writes numbers into level_text where every input is present")).toContain(
      "level_text: NaN in all 256 rows where every input is present: compute must write numbers into output.level_text[i]",
    );
    expect(message("failing-setup setup and teardown run without throwing")).toContain("PluginError: MF_ERR_PLUGIN_HOOK [plugin failing-setup] setup");
    // The rules of a plugin: the code and the rule named, as a run and `meterflow rules check` name them.
    expect(message("event-typo rule files name only facts, operators and event types that exist beside the built-in plugins")).toContain(
      'MF_ERR_RULES_UNKNOWN_EVENT invalid rules, 1 error: plugin event-typo: levels rules[0].event.type: meterflow does not act on events of type "hold_reading"',
    );
    expect(message("event-typo rule files name only facts, operators and event types that exist beside the built-in plugins")).toContain('(rule "full")');
    expect(message("lint-warning rule files pass the rule linter without warnings")).toContain(
      'MF_WARN_RULES_IN_NOT_ARRAY: the rule linter warns about a rule of plugin lint-warning (see meterflow rules check):\n  plugin lint-warning: levels: rule "tank-ids": rules[0].conditions.all[0].value:',
    );
    expect(names("skipped")).toContain("event-typo rule files pass the rule linter without warnings");
  });
});
