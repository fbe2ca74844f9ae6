// The conformance suite checks a plugin's rule files against the facts that exist (issue 13): a
// misspelt fact fails that check with MF_ERR_RULES_UNKNOWN_FACT and the rule's path, in a vitest
// run of the author's own suite (started here in a temp directory, as an author runs it).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const root = packageRoot();

it("fails the rule-files check of a plugin whose rule names a misspelt fact, with the code and path, and passes the correct one", () => {
  const dir = tempDir("meterflow-conformance-rules-");
  const plugin = (name: string, fact: string) => `{
    name: ${JSON.stringify(name)}, version: "1.0.0", sdk: "^1.0.0",
    sensors: [{ name: ${JSON.stringify(`${name.replace(/-/g, "_")}_moisture`)}, unit: "%", description: "", range: { min: 0, max: 100 } }],
    rules: [{ name: "irrigation", rules: [{ name: "dry", conditions: { all: [{ fact: ${JSON.stringify(fact)}, operator: "greaterThan", value: 80 }] },
      event: { type: "alert", params: { severity: "info", channel: "dew_point", message: "dry" } } }] }],
  }`;
  writeFileSync(join(dir, "soil.test.ts"), [
    `import { describeConformance } from ${JSON.stringify(join(root, "sdk", "testing", "index.ts"))};`,
    `describeConformance(${plugin("soil-typo", "soil_typo_moistur")});`,
    `describeConformance(${plugin("soil-ok", "soil_ok_moisture")});`,
    // A built-in plugin's fact (dew_point) exists beside the built-ins.
    `describeConformance(${plugin("soil-dew", "dew_point")});`,
  ].join("\n"));
  const out = join(dir, "report.json");
  const run = spawnSync(process.execPath, [join(root, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--reporter=json", `--outputFile.json=${out}`], {
    cwd: dir, encoding: "utf8", env: { ...process.env, CI: "1", NO_COLOR: "1" },
  });
  expect(run.status, run.stderr).toBe(1);
  const report = JSON.parse(readFileSync(out, "utf8")) as { testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }> };
  const results = report.testResults.flatMap((f) => f.assertionResults);
  const failed = results.filter((r) => r.status === "failed");
  expect(failed.map((r) => r.fullName)).toEqual([
    "meterflow plugin conformance: soil-typo rule files name only facts, operators and event types that exist beside the built-in plugins",
  ]);
  expect(failed[0].failureMessages[0]).toContain("MF_ERR_RULES_UNKNOWN_FACT");
  expect(failed[0].failureMessages[0]).toContain(`plugin soil-typo: irrigation rules[0].conditions.all[0].fact: unknown fact "soil_typo_moistur" (did you mean "soil_typo_moisture"?)`);
  expect(results.filter((r) => r.fullName.includes("rule files name only")).map((r) => r.status)).toEqual(["failed", "passed", "passed"]);
});
