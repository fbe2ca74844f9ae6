// describeConformance on plugins that conform (their tests below must pass), and, in a separate
// vitest run, on plugins that break one rule each: the suite must fail exactly the check concerned.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeConformance } from "../../../sdk/testing/index.js";
import { climate, coldChain, meters } from "../fixtures.js";
import { tempDir } from "../../helpers/tmp.js";

describeConformance(climate);
describeConformance(coldChain, { dependencies: [climate] });
describeConformance(meters);

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const dir = tempDir("meterflow-conformance-");

describe("describeConformance on broken plugins", () => {
  it("fails exactly the check each plugin breaks", () => {
    const out = join(dir, "report.json");
    const vitest = join(root, "node_modules/vitest/vitest.mjs");
    const run = spawnSync(process.execPath, [vitest, "run", "--config", join(here, "fixtures/vitest.config.ts"), "--reporter=json", `--outputFile=${out}`], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CI: "1" },
    });
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(readFileSync(out, "utf8")) as { testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }> };
    const failed = report.testResults.flatMap((f) => f.assertionResults).filter((t) => t.status === "failed").map((t) => t.fullName);
    expect(failed.sort()).toEqual(
      [
        "meterflow plugin conformance: future-sdk registers alone in a fresh registry",
        "meterflow plugin conformance: future-sdk sdk range ^2.0.0 includes SDK 1.0.0",
        "meterflow plugin conformance: limit-outside threshold too-high: limit 150 lies inside channel level's range",
        "meterflow plugin conformance: limit-outside threshold too-high: fires once at limit + epsilon after 0 min, not before, never at the limit",
        "meterflow plugin conformance: limit-at-max threshold full: limit 100 lies inside channel level's range",
        "meterflow plugin conformance: limit-at-max threshold full: fires once at limit + epsilon after 5 min, not before, never at the limit",
        "meterflow plugin conformance: mutates-input fact clamp: computes a random batch without throwing and writes only level_clamped",
        "meterflow plugin conformance: zero-for-nan fact zero: NaN in every column it writes where all of level are NaN",
        "meterflow plugin conformance: random fact noise: deterministic",
        "meterflow plugin conformance: throws fact boom: computes a random batch without throwing and writes only level_boom",
        "meterflow plugin conformance: throws fact boom: NaN in every column it writes where all of level are NaN",
        "meterflow plugin conformance: throws fact boom: deterministic",
        "meterflow plugin conformance: future-sdk setup and teardown run without throwing",
        "meterflow plugin conformance: failing-setup setup and teardown run without throwing",
        "meterflow plugin conformance: typo-input fact ratio: reads only columns the engine provides (levl)",
        "meterflow plugin conformance: invalid descriptor validates",
        "meterflow plugin conformance: invalid registers alone in a fresh registry",
        "meterflow plugin conformance: invalid setup and teardown run without throwing",
        "meterflow plugin conformance: bad-pulse meter types' defaults are valid",
        "meterflow plugin conformance: bad-pulse descriptor validates",
        "meterflow plugin conformance: bad-pulse registers alone in a fresh registry",
        "meterflow plugin conformance: bad-pulse setup and teardown run without throwing",
      ].sort(),
    );
  });
});
