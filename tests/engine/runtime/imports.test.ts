// The runtime's import graph (DESIGN.md "Code that only tests, benchmarks and the demo use
// stays out of the runtime's import graph"): from the command line's entry, no static import
// reaches the demo's data generators or the synthetic pulse signals; engine/decide imports
// nothing of the runtime.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";

const root = packageRoot();

/** Every module a source file reaches by static relative imports. */
function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(/^(?:import|export)[^'"]*from\s+["'](\.[^"']+)\.js["']/gm)) {
      const next = resolve(dirname(file), `${m[1]}.ts`);
      if (existsSync(next)) walk(next);
    }
  };
  walk(join(root, entry));
  return seen;
}

describe("import graph", () => {
  it("keeps the demo's generators and the synthetic signals out of the commands' graph", () => {
    // main.ts loads each command's module when it runs (dynamic imports): the graph of every
    // command but `demo` (which generates its data set).
    const commands = readdirSync(join(root, "engine/cli/commands")).filter((f) => f.endsWith(".ts") && f !== "demo.ts");
    expect(commands).toContain("run.ts");
    const reached = new Set<string>();
    for (const entry of ["engine/cli/main.ts", ...commands.map((f) => `engine/cli/commands/${f}`)]) for (const f of graph(entry)) reached.add(f);
    const files = [...reached].map((f) => f.slice(root.length + 1));
    expect(files).toContain("engine/runtime/run.ts");
    // (engine/demo/limits.ts holds two constants, so `demo --help` states them without the generators.)
    expect(files.filter((f) => (f.startsWith("engine/demo/") && f !== "engine/demo/limits.ts") || f.startsWith("engine/pulses/signals/"))).toEqual([]);
  });

  it("keeps the decision free of the runtime", () => {
    const files = [...graph("engine/decide/decide.ts")].map((f) => f.slice(root.length + 1));
    expect(files).toContain("engine/decide/decider.ts");
    expect(files.filter((f) => f.startsWith("engine/runtime/") || f.startsWith("engine/store/sqlite") || f.startsWith("engine/store/postgres"))).toEqual([]);
  });
});
