// The `meterflow` bin started as a shell and `npx meterflow` start it, through its #! line: glibc's
// malloc is asked for transparent huge pages (GLIBC_TUNABLES glibc.malloc.hugetlb=1, README
// "Memory"), and tunables the user set are kept after it (glibc takes the last of a name).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
/** The package's bin (package.json): the bundled command line. */
const BIN = join(packageRoot(), "dist", "bin", "meterflow.mjs");
/** Preloaded into the bin's node: prints the environment variable the #! line sets. */
const PRINT = join(dir, "print-tunables.mjs");
writeFileSync(PRINT, "console.log(`tunables=${process.env.GLIBC_TUNABLES}`);\n");

function tunablesOfBin(env: NodeJS.ProcessEnv): string {
  // Run as a program (its #! line), not as `node main.js`.
  const r = spawnSync(BIN, ["version"], { encoding: "utf8", env: { ...env, NODE_OPTIONS: `--import=${PRINT}` } });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/m);
  return /^tunables=(.*)$/m.exec(r.stdout)![1];
}

describe("the meterflow bin", () => {
  it("starts node with glibc's malloc on transparent huge pages", () => {
    const { GLIBC_TUNABLES: _, ...env } = process.env;
    expect(tunablesOfBin(env)).toBe("glibc.malloc.hugetlb=1:");
  });

  it("keeps the user's own glibc tunables, after its own", () => {
    expect(tunablesOfBin({ ...process.env, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2" }))
      .toBe("glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2");
  });
});
