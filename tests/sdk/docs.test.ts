// docs/plugins.md stays true: every file of the example plugins in docs/examples/ is a code block
// of the guide, word for word, and every plugin or test block of the guide is such a file
// (tests/sdk/examples.test.ts runs the examples' own tests; tests/pack/ follows the guide's
// steps with the packed package). The guide's package.json names our package as it is.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { satisfies } from "../../sdk/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const guide = readFileSync(join(root, "docs/plugins.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string; exports: Record<string, unknown>; bin: Record<string, string> };
const blocks = [...guide.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] as string, code: m[2] as string }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const examplesDir = join(root, "docs/examples");
const examples = filesUnder(examplesDir).map((path) => ({
  file: relative(examplesDir, path),
  lang: path.endsWith(".ts") ? "ts" : path.endsWith(".json") ? "json" : "?",
  code: readFileSync(path, "utf8"),
}));

describe("docs/plugins.md", () => {
  it("has two example plugins, each with its source, its tests and its tsconfig.json", () => {
    const plugins = new Set(examples.map((e) => e.file.split("/")[0]));
    expect(plugins.size).toBeGreaterThanOrEqual(2);
    for (const plugin of plugins) {
      const files = examples.filter((e) => e.file.startsWith(plugin + "/")).map((e) => e.file.slice(plugin.length + 1));
      expect(files, plugin).toEqual(expect.arrayContaining(["src/index.ts", "tsconfig.json"]));
      expect(files.some((f) => /^test\/.+\.test\.ts$/.test(f)), plugin).toBe(true);
    }
  });

  it.each(examples.map((e) => [e.file, e] as const))("shows docs/examples/%s word for word", (_file, example) => {
    expect(blocks.filter((b) => b.lang === example.lang && b.code === example.code)).toHaveLength(1);
  });

  it("shows no plugin or test code that is not an example file", () => {
    const shown = blocks.filter((b) => b.lang === "ts" && /^\/\/ (src|test)\//.test(b.code));
    expect(shown.length).toBeGreaterThanOrEqual(4);
    for (const block of shown) expect(examples.map((e) => e.code), block.code.split("\n")[0]).toContain(block.code);
  });

  it("names the package as it is: peer and dev dependency on our name, a range our version satisfies", () => {
    const manifest = blocks.find((b) => b.lang === "json" && b.code.includes('"peerDependencies"'));
    expect(manifest).toBeDefined();
    const json = JSON.parse((manifest as { code: string }).code) as { peerDependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(json.peerDependencies)).toEqual([pkg.name]);
    expect(satisfies(pkg.version, json.peerDependencies[pkg.name] as string)).toBe(true);
    expect(satisfies(pkg.version, json.devDependencies[pkg.name] as string)).toBe(true);
    expect(Object.values(json.devDependencies).some((spec) => spec.startsWith("file:"))).toBe(false);
    expect(pkg.bin).toHaveProperty("meterflow");
  });

  it("imports only subpaths the package exports", () => {
    const specifiers = [...guide.matchAll(/["`](meterflow[\w-]*(?:\/[\w/]+)?)["`]/g)].map((m) => m[1] as string);
    const ours = specifiers.filter((s) => s === pkg.name || s.startsWith(pkg.name + "/"));
    expect(ours).toEqual(expect.arrayContaining([`${pkg.name}/sdk`, `${pkg.name}/sdk/testing`]));
    for (const s of ours) expect(pkg.exports, s).toHaveProperty(["." + s.slice(pkg.name.length)]);
    expect(specifiers.filter((s) => /^meterflow\//.test(s))).toEqual([]);
  });

  it("names the configuration file as the engine reads it", () => {
    expect(guide).toContain('{ "plugins": ["@acme/meterflow-vibration", "./plugins/local.js"] }');
  });
});
