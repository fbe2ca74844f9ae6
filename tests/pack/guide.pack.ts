// The package as users get it: `npm pack` of this (built) checkout, installed into empty projects
// with dependencies from the npm registry. A site gets a working `npx meterflow demo` and the
// SDK by package name, without building meterflow (no `prepare`, no assemblyscript); a plugin
// author follows docs/plugins.md step by step (its package.json, the unreleased-meterflow path:
// the tarball as a dev dependency; the example's files; `npm run build`, `npm test` with the
// conformance suite), does the same for the second example (section 8), packs both plugins, and
// the site runs them with `meterflow run --config`, getting the alert rows the guide shows.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../engine/wasm/paths.js";
import { readCsv } from "../helpers/run.js";
import { tempDir } from "../helpers/tmp.js";

const root = packageRoot();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const guide = readFileSync(join(root, "docs/plugins.md"), "utf8");
const work = tempDir("meterflow-pack-");
const site = join(work, "site");
const author = join(work, "meterflow-vibration");
const soil = join(work, "meterflow-soil-moisture");

interface Result { status: number; out: string; stdout: string }
async function sh(cwd: string, cmd: string, args: string[]): Promise<Result> {
  try {
    const r = await promisify(execFile)(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false", NO_COLOR: "1", FORCE_COLOR: "0" } });
    return { status: 0, out: r.stdout + r.stderr, stdout: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof err.code === "number" ? err.code : 1, out: (err.stdout ?? "") + (err.stderr ?? ""), stdout: err.stdout ?? "" };
  }
}
const npm = (cwd: string, ...args: string[]) => sh(cwd, "npm", args);
const npx = (cwd: string, ...args: string[]) => sh(cwd, "npx", args);

/** The guide's code block of a language whose text starts with `start` (list indentation removed). */
function guideBlock(lang: string, start: string): string {
  const blocks = [...guide.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)]
    .filter((m) => m[2] === lang)
    .map((m) => (m[3] as string).split("\n").map((line) => line.slice((m[1] as string).length)).join("\n"));
  const block = blocks.find((b) => b.startsWith(start));
  if (block === undefined) throw new Error(`docs/plugins.md has no ${lang} block starting ${JSON.stringify(start)}`);
  return block;
}

let tarball = "";
let files: string[] = [];
let siteInstall: Result;
let authorInstall: Result;

beforeAll(async () => {
  expect(existsSync(join(root, "dist/bin/meterflow.mjs")), "build first: npm run build").toBe(true);
  // Packed as it is built (`npm pack` alone would run `prepare`, the full build, once more).
  const packed = await npm(root, "pack", "--ignore-scripts", "--json", "--pack-destination", work);
  expect(packed.status, packed.out).toBe(0);
  const info = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path);

  // The site: an empty project (as `npm init -y` writes it). The author: the guide's package.json,
  // then the unreleased-meterflow path of section 1 (the tarball as the dev dependency).
  mkdirSync(site);
  const init = await npm(site, "init", "-y");
  expect(init.status, init.out).toBe(0);
  mkdirSync(author);
  writeFileSync(join(author, "package.json"), guideBlock("json", '{\n  "name": "@acme/meterflow-vibration"'));
  [siteInstall, authorInstall] = await Promise.all([
    npm(site, "install", tarball),
    npm(author, "install", "--save-dev", tarball),
  ]);
});

describe(`the packed package (${"npm pack"})`, () => {
  it("holds the built engine, the kernels and the default rules, and no sources, tests or benchmarks", () => {
    expect(files).toEqual(expect.arrayContaining([
      "package.json", "README.md", "dist/bin/meterflow.mjs", "dist/threads/decoding-thread.mjs", "dist/engine/cli/main.js", "dist/engine/index.js", "dist/engine/rules/index.js",
      "dist/sdk/index.js", "dist/sdk/index.d.ts", "dist/sdk/testing/index.js", "build/kernels-simd.wasm", "build/kernels-scalar.wasm",
      "engine/rules/default/eligibility.json", "docs/plugins.md",
    ]));
    expect(files.filter((f) => /^(tests|bench|assembly|dist\/bench|dist\/tests|docs\/examples)\//.test(f) || f.endsWith(".map") || /^(engine|sdk|plugins)\/.*\.ts$/.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(site, "node_modules", pkg.name, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ meterflow: "dist/bin/meterflow.mjs" });
  });

  it("installs into an empty project without building meterflow", () => {
    expect(siteInstall.status, siteInstall.out).toBe(0);
    expect(siteInstall.out).not.toContain(`> ${pkg.name}@${pkg.version} prepare`);
    expect(siteInstall.out).not.toContain("asc assembly");
    // The build tools are not even there: `prepare` could not have run.
    expect(existsSync(join(site, "node_modules", "assemblyscript"))).toBe(false);
    expect(existsSync(join(site, "node_modules", "typescript"))).toBe(false);
  });

  it("gives a working `npx meterflow demo`", async () => {
    const r = await npx(site, "meterflow", "demo");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/^in\s+[\d,]+\s+balanced$/m);
    const summary = JSON.parse(readFileSync(join(site, "meterflow-demo", "out", "summary.json"), "utf8")) as { balanced: boolean; billable: number };
    expect(summary.balanced).toBe(true);
    expect(summary.billable).toBeGreaterThan(0);
    expect(readCsv(join(site, "meterflow-demo", "out", "billing.csv")).length).toBeGreaterThanOrEqual(summary.billable);
  });

  it("gives the SDK and the test kit by package name", async () => {
    // (`/sdk/testing` needs vitest, which a site does not have: the author's tests import it below.)
    const code = `import { definePlugin, SDK_VERSION } from "${pkg.name}/sdk";
import { Engine } from "${pkg.name}/rules";
import { runFiles } from "${pkg.name}";
console.log(typeof definePlugin, typeof Engine, typeof runFiles, SDK_VERSION);`;
    writeFileSync(join(site, "imports.mjs"), code);
    const r = await sh(site, process.execPath, ["imports.mjs"]);
    expect(r.status, r.out).toBe(0);
    expect(r.out.trim()).toMatch(/^function function function \d+\.\d+\.\d+$/);
  });
});

describe("docs/plugins.md, followed with the packed package", () => {
  it("1. the package: the guide's package.json installs with meterflow as the tarball, not rebuilt", () => {
    expect(authorInstall.status, authorInstall.out).toBe(0);
    expect(authorInstall.out).not.toContain(`> ${pkg.name}@${pkg.version} prepare`);
    const manifest = JSON.parse(readFileSync(join(author, "package.json"), "utf8")) as { devDependencies: Record<string, string>; peerDependencies: Record<string, string> };
    expect(manifest.peerDependencies).toHaveProperty([pkg.name]);
    expect(manifest.devDependencies[pkg.name]).toMatch(/^file:.*\.tgz$/);
    expect(existsSync(join(author, "node_modules", pkg.name, "dist", "sdk", "index.js"))).toBe(true);
  });

  it("2, 3. the plugin builds and its tests pass, the conformance suite included", async () => {
    cpSync(join(root, "docs/examples/vibration"), author, { recursive: true });
    const build = await npm(author, "run", "build");
    expect(build.status, build.out).toBe(0);
    expect(existsSync(join(author, "dist", "index.js"))).toBe(true);
    const test = await npm(author, "test", "--", "--reporter=verbose");
    expect(test.status, test.out).toBe(0);
    expect(test.out).toContain("meterflow plugin conformance: @acme/meterflow-vibration");
    expect(test.out).toMatch(/Tests\s+\d+ passed/);
    expect(test.out).not.toMatch(/Tests\s+.*failed/);
  });

  it("8. the second example builds and passes its tests in a project like the first", async () => {
    mkdirSync(soil);
    const manifest = JSON.parse(guideBlock("json", '{\n  "name": "@acme/meterflow-vibration"')) as Record<string, unknown>;
    writeFileSync(join(soil, "package.json"), JSON.stringify({ ...manifest, name: "@acme/meterflow-soil-moisture", description: "Soil moisture probes for meterflow" }, null, 2));
    // The same dependencies as the first project: its node_modules, not a second install.
    symlinkSync(join(author, "node_modules"), join(soil, "node_modules"), "dir");
    cpSync(join(root, "docs/examples/soil-moisture"), soil, { recursive: true });
    const build = await npm(soil, "run", "build");
    expect(build.status, build.out).toBe(0);
    const test = await npm(soil, "test", "--", "--reporter=verbose");
    expect(test.status, test.out).toBe(0);
    expect(test.out).toContain("meterflow plugin conformance: @acme/meterflow-soil-moisture");
    expect(test.out).toContain("alerts at the wilting point on the probes' sensor rows, not on reading rows");
    expect(test.out).not.toMatch(/Tests\s+.*failed/);
  });

  it("4, 5, 8. installed where meterflow runs and named in meterflow.config.json, they alert in a run as the guide shows", async () => {
    const shelf = join(work, "plugin-tarballs");
    mkdirSync(shelf);
    for (const dir of [author, soil]) {
      const packed = await npm(dir, "pack", "--pack-destination", shelf);
      expect(packed.status, packed.out).toBe(0);
    }
    expect(readdirSync(shelf).sort()).toEqual(["acme-meterflow-soil-moisture-1.0.0.tgz", "acme-meterflow-vibration-1.0.0.tgz"]);
    const install = await npm(site, "install", ...readdirSync(shelf).sort().map((f) => join(shelf, f)));
    expect(install.status, install.out).toBe(0);
    writeFileSync(join(site, "meterflow.config.json"), JSON.stringify({ plugins: ["@acme/meterflow-vibration", "@acme/meterflow-soil-moisture"] }) + "\n");
    writeFileSync(join(site, "readings.csv"), guideBlock("csv", "meter_id,end,value,vibration\n"));
    writeFileSync(join(site, "probes.csv"), guideBlock("csv", "meter_id,end,channel,value\nFIELD-3,"));
    const r = await npx(site, "meterflow", "run", "--config", "meterflow.config.json", "--db", "state.db", "--out", "out", "readings.csv", "probes.csv");
    expect(r.status, r.out).toBe(0);
    const summary = JSON.parse(readFileSync(join(site, "out", "summary.json"), "utf8")) as { plugins: Array<{ name: string }>; sensor: number; billable: number };
    expect(summary.plugins.map((p) => p.name)).toEqual(expect.arrayContaining(["@acme/meterflow-vibration", "@acme/meterflow-soil-moisture"]));
    expect(summary).toMatchObject({ sensor: 6, billable: 0 });
    const alerts = readFileSync(join(site, "out", "alerts.csv"), "utf8").trim().split("\n").slice(1);
    const shown = [
      guideBlock("csv", "PUMP-7,2026-11-30,vibration,critical,"),
      guideBlock("csv", "FIELD-3,2026-07-14,soil_moisture,warning,"),
    ].flatMap((b) => b.trim().split("\n"));
    expect(shown).toHaveLength(3);
    expect(alerts.sort()).toEqual(shown.sort());
  });
});
