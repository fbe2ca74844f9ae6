// A plugin that can never work stops `meterflow run` before anything is billed (issue 13, items 1
// and 8): the built `meterflow` command, a plugin file named by --config, exit status 1 with the
// code on stderr and no outputs. And a `.js` plugin under a `"type": "commonjs"` package.json
// (what `npm init -y` writes) fails with a hint and a code, not Node's SyntaxError.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importPlugin } from "../../../engine/plugins/load.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-refused-");

const moisture = `{ name: "soil_moisture", unit: "%", description: "volumetric water content", range: { min: 0, max: 100 } }`;
const dryness = (input: string) => `{ name: "dryness", description: "0 wet .. 1 dry", reads: [${JSON.stringify(input)}], writes: ["soil_dryness"],
    compute(input, output, n) { for (let i = 0; i < n; i++) output.soil_dryness[i] = 1 - input[${JSON.stringify(input)}][i] / 100; } }`;
const dry = (more: string) => `{ name: "dry", channel: "soil_moisture", below: 15, forMinutes: 60, severity: "warning", message: "dry"${more} }`;

/** A project directory with soil.js (its descriptor's body given), the config naming it, and a night's data. */
function project(name: string, body: string, type = "module"): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "utility", version: "1.0.0", type }));
  writeFileSync(join(dir, "soil.js"), `export default {\n  name: "acme-soil", version: "1.0.0", sdk: "^1.0.0",\n  sensors: [${moisture}],\n  ${body}\n};\n`);
  writeFileSync(join(dir, "meterflow.config.json"), JSON.stringify({ plugins: ["./soil.js"] }));
  writeFileSync(join(dir, "meters.csv"), "meter_id,type\nF-1,water.register\n");
  writeFileSync(join(dir, "readings.csv"), "meter_id,end,value,soil_moisture\nF-1,2026-11-01,10,40\nF-1,2026-11-02,12,8\n");
  return dir;
}

function run(dir: string) {
  const r = spawnSync(process.execPath, [BIN, "run", "--config", "meterflow.config.json", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "--quiet", "readings.csv"],
    { cwd: dir, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr, billed: existsSync(join(dir, "out", "billing.csv")) };
}

describe("meterflow run refuses a plugin that can never work", () => {
  it("runs the same plugin when it is right (the baseline the cases below break)", () => {
    const dir = project("right", `facts: [${dryness("soil_moisture")}],\n  thresholds: [${dry(", hysteresis: 5")}],`);
    const r = run(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "out", "billing.csv"), "utf8")).toContain("F-1");
  });

  it.each([
    ["a fact reading an input nothing provides", `facts: [${dryness("soil_moisure")}],`, "facts[0].reads[0]", '"soil_moisure"'],
    ["a threshold beyond its channel's range", `thresholds: [${dry(", below: -5")}],`.replace("below: 15, ", ""), "thresholds[0].below", "-5"],
    ["hysteresis wider than the channel's range", `thresholds: [${dry(", hysteresis: 1000")}],`, "thresholds[0].hysteresis", "1000"],
  ])("%s: exit 1, MF_ERR_PLUGIN_INVALID naming the plugin on stderr, nothing billed", (name, body, path, value) => {
    const dir = project(name.replace(/\W+/g, "-"), body);
    const r = run(dir);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("meterflow: [plugin acme-soil] register: invalid descriptor (1 problem):");
    expect(r.stderr).toContain("MF_ERR_PLUGIN_INVALID");
    // The problem's line: the field and the value.
    expect(r.stderr).toContain(`\n  ${path}: ${value}`);
    expect(r.billed).toBe(false);
  });
});

describe("a .js plugin under a CommonJS package.json", () => {
  it('fails with MF_ERR_PLUGIN_LOAD and a hint: rename it to .mjs or set "type": "module"', () => {
    const dir = project("commonjs", `thresholds: [${dry("")}],`, "commonjs");
    const r = run(dir);
    expect(r.status, r.stderr).toBe(1);
    // Node may print its own warning first ("To load an ES module, set ..."): the error is meterflow's line.
    const line = r.stderr.split("\n").find((l) => l.startsWith("meterflow:"));
    expect(line).toBe(`meterflow: cannot load plugin "./soil.js": soil.js is an ES module (import/export) but Node reads it as CommonJS: ${join(dir, "package.json")} has "type": "commonjs". ` +
      `Rename it to soil.mjs, or set "type": "module" in ${join(dir, "package.json")} (MF_ERR_PLUGIN_LOAD)`);
    expect(r.stderr).not.toContain("Unexpected token");
    expect(r.billed).toBe(false);
  });

  it("renamed to .mjs, the same plugin runs", () => {
    const dir = project("commonjs-mjs", `thresholds: [${dry("")}],`, "commonjs");
    writeFileSync(join(dir, "soil.mjs"), readFileSync(join(dir, "soil.js")));
    writeFileSync(join(dir, "meterflow.config.json"), JSON.stringify({ plugins: ["./soil.mjs"] }));
    const r = run(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.billed).toBe(true);
  });
});

describe("a plugin entry's common mistakes get a message that says what to fix (MF_ERR_PLUGIN_LOAD)", () => {
  const dir = join(root, "entries");
  mkdirSync(join(dir, "plugins"), { recursive: true });
  const descriptor = `{ name: "acme-soil", version: "1.0.0", sdk: "^1.0.0", sensors: [${moisture}] }`;
  writeFileSync(join(dir, "plugins", "local.mjs"), `export default ${descriptor};\n`);
  writeFileSync(join(dir, "factory.mjs"), `export default () => (${descriptor});\n`);
  writeFileSync(join(dir, "nameless.mjs"), `export default { version: "1.0.0", sdk: "^1.0.0" };\n`);
  writeFileSync(join(dir, "list.mjs"), `export default [${descriptor}];\n`);
  writeFileSync(join(dir, "promised.mjs"), `export default Promise.resolve(${descriptor});\n`);
  writeFileSync(join(dir, "commonjs.mjs"), `module.exports = ${descriptor};\n`);
  writeFileSync(join(dir, "syntax.mjs"), `export default {\n  name: "acme-soil",\n  sensors: [ { name: "x" } ;\n};\n`);
  // What TypeScript writes for `export default definePlugin(...)` with "module": "commonjs".
  writeFileSync(join(dir, "compiled.cjs"), `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.zone = 1;\nexports.default = ${descriptor};\n`);
  const message = async (entry: string) => {
    try {
      await importPlugin(entry, dir);
    } catch (error) {
      expect((error as { code?: string }).code).toBe("MF_ERR_PLUGIN_LOAD");
      return (error as Error).message;
    }
    throw new Error(`${entry} loaded`);
  };

  it("a path without ./, a missing file, a function, an array, a promise, a nameless descriptor", async () => {
    expect(await message("plugins/local.mjs")).toBe(`cannot find plugin "plugins/local.mjs" from ${dir} (a path starts with "./": did you mean "./plugins/local.mjs"?)`);
    expect(await message("meterflow-coldchain")).toBe(`cannot find plugin "meterflow-coldchain" from ${dir} (did you mean the built-in plugin "meterflow-cold-chain"?)`);
    expect(await message("./plugins/nope.mjs")).toBe(`cannot find plugin "./plugins/nope.mjs": there is no file ${join(dir, "plugins", "nope.mjs")}`);
    expect(await message("./factory.mjs")).toMatch(/exports a function, not a plugin descriptor: export the descriptor itself/);
    // An array, a promise: each said as it is, not as a nameless descriptor.
    expect(await message("./list.mjs")).toBe(`plugin "./list.mjs" (${join(dir, "list.mjs")}) exports an array, not a plugin descriptor: a module exports one descriptor (\`export default definePlugin({ ... })\`); give each plugin its own module and entry in the configuration`);
    expect(await message("./promised.mjs")).toMatch(/exports a promise, not a plugin descriptor: export the descriptor itself/);
    expect(await message("./nameless.mjs")).toBe(`plugin "./nameless.mjs" (${join(dir, "nameless.mjs")}) exports a descriptor without a "name": give it the plugin's package name`);
  });

  it("a syntax error names its file and line (the built command: Node's own import says neither)", () => {
    writeFileSync(join(dir, "syntax.json"), JSON.stringify({ plugins: ["./syntax.mjs"] }));
    const r = spawnSync(process.execPath, [BIN, "plugins", "--config", "syntax.json"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`meterflow: cannot load plugin "./syntax.mjs": Unexpected token ';' (at ${join(dir, "syntax.mjs")}:3) (MF_ERR_PLUGIN_LOAD)`);
  });

  it("CommonJS in an .mjs file says so, not Node's bare 'module is not defined' (the built command: vitest's import takes it)", () => {
    writeFileSync(join(dir, "commonjs.json"), JSON.stringify({ plugins: ["./commonjs.mjs"] }));
    const r = spawnSync(process.execPath, [BIN, "plugins", "--config", "commonjs.json"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('meterflow: cannot load plugin "./commonjs.mjs": commonjs.mjs uses CommonJS (`module`) but Node loads it as an ES module: '
      + "write `export default definePlugin({ ... })` (and `import` for require), or name it commonjs.cjs (MF_ERR_PLUGIN_LOAD)");
  });

  it("takes a TypeScript plugin compiled to CommonJS (its descriptor under the default export's default; the built command)", () => {
    writeFileSync(join(dir, "compiled.json"), JSON.stringify({ plugins: ["./compiled.cjs"] }));
    const r = spawnSync(process.execPath, [BIN, "plugins", "--config", "compiled.json"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^acme-soil 1\.0\.0$/m);
  });
});
