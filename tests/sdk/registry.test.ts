// PluginRegistry: the order of registration checks and their codes, dependency ordering,
// conflicts, lookups, hooks (order, every teardown, errors naming plugin and hook) and runFacts.
import { describe, expect, it } from "vitest";
import { PluginError, PluginRegistry, SDK_VERSION, defineFact } from "../../sdk/index.js";
import type { PluginDescriptor } from "../../sdk/index.js";
import { climate, coldChain, meters, plugin } from "./fixtures.js";

/** The PluginError `fn` throws. */
function caught(fn: () => unknown): PluginError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return error as PluginError;
  }
  throw new Error("did not throw");
}

async function rejected(promise: Promise<unknown>): Promise<PluginError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PluginError);
  return error as PluginError;
}

const sensor = (name: string) => ({ name, unit: "", description: "", range: { min: 0, max: 10 } });

describe("PluginError", () => {
  it("carries code, plugin, hook and cause; the message names plugin and hook", () => {
    const cause = new Error("boom");
    const e = new PluginError("MF_ERR_PLUGIN_HOOK", "acme", "setup", "setup failed: boom", { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("PluginError");
    expect([e.code, e.plugin, e.hook, e.cause]).toEqual(["MF_ERR_PLUGIN_HOOK", "acme", "setup", cause]);
    expect(e.message).toBe("[plugin acme] setup: setup failed: boom");
    expect(e.problems).toEqual([]);
  });
});

describe("PluginRegistry.register", () => {
  it("registers and looks up meter types, channels, thresholds, facts and rules", () => {
    const r = new PluginRegistry();
    r.register(meters);
    r.register(climate);
    r.register(coldChain);
    expect(r.plugins.map((p) => p.name)).toEqual(["test-meters", "test-climate", "test-cold-chain"]);
    expect(r.plugin("test-climate")).toBe(climate);
    expect(r.meterType("water.pulse")).toEqual({ ...meters.meterTypes[1], plugin: "test-meters" });
    expect(r.meterTypes.map((t) => t.name)).toEqual(["water.register", "water.pulse"]);
    expect(r.channel("rh")).toEqual({ ...climate.sensors[1], plugin: "test-climate" });
    expect(r.channel("nope")).toBeUndefined();
    expect(r.channels.map((c) => c.name)).toEqual(["temp", "rh"]);
    expect(r.thresholds.map((t) => [t.rule, t.plugin, t.forMinutes])).toEqual([
      ["test-climate/hot", "test-climate", 15],
      ["test-cold-chain/too-warm", "test-cold-chain", 30],
      ["test-cold-chain/frozen", "test-cold-chain", 0],
    ]);
    expect(r.facts.map((f) => [f.plugin, f.name, f.reads, f.writes])).toEqual([["test-climate", "dew-point", ["temp", "rh"], ["dew"]]]);
    expect(r.rules.map((f) => [f.plugin, f.name, f.rules.length])).toEqual([["test-cold-chain", "test-cold-chain", 1]]);
    expect(Object.isFrozen(r.thresholds[0])).toBe(true);
  });

  it("MF_ERR_PLUGIN_INVALID lists every problem, and registers nothing", () => {
    const r = new PluginRegistry();
    const e = caught(() => r.register(plugin({ name: "bad", version: "1", sensors: [{ ...sensor("x"), range: { min: 1, max: 1 } }] })));
    expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_INVALID", "bad", "register"]);
    expect(e.problems.map((p) => p.path)).toEqual(["version", "sensors[0].range"]);
    expect(e.message).toMatch(/^\[plugin bad\] register: invalid descriptor \(2 problems\):\n {2}version: .*\n {2}sensors\[0\]\.range: /);
    expect(r.plugins).toEqual([]);
    expect(caught(() => r.register(null as unknown as PluginDescriptor)).plugin).toBe("(unnamed)");
  });

  it("MF_ERR_PLUGIN_DUPLICATE for a name registered already", () => {
    const r = new PluginRegistry();
    r.register(climate);
    const e = caught(() => r.register({ ...climate, version: "9.0.0" }));
    expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_DUPLICATE", "test-climate", "register"]);
  });

  it("MF_ERR_PLUGIN_SDK_RANGE when the range excludes SDK_VERSION", () => {
    expect(SDK_VERSION).toBe("1.0.0");
    for (const sdk of ["^2.0.0", "^0.9.0", ">1.0.0", "1.0.0-beta"]) {
      expect(caught(() => new PluginRegistry().register(plugin({ sdk }))).code, sdk).toBe("MF_ERR_PLUGIN_SDK_RANGE");
    }
    for (const sdk of ["^1.0.0", "1.x", "*", ">=1.0.0 <2", "~1.0.0"]) new PluginRegistry().register(plugin({ sdk }));
  });

  it("MF_ERR_PLUGIN_DEPENDENCY when a dependency is missing or its version is out of range", () => {
    const r = new PluginRegistry();
    const missing = caught(() => r.register(coldChain));
    expect([missing.code, missing.plugin]).toEqual(["MF_ERR_PLUGIN_DEPENDENCY", "test-cold-chain"]);
    expect(missing.message).toContain('"test-climate" ^1.1.0 is not registered');
    r.register({ ...climate, version: "1.0.5" });
    const old = caught(() => r.register(coldChain));
    expect(old.code).toBe("MF_ERR_PLUGIN_DEPENDENCY");
    expect(old.message).toContain("version 1.0.5 is registered");
  });

  it("checks in order: invalid before duplicate before sdk range before dependencies before conflicts", () => {
    const r = new PluginRegistry();
    r.register(climate);
    const everything = { ...climate, sdk: "^2.0.0", dependencies: { ghost: "^1.0.0" } };
    expect(caught(() => r.register({ ...everything, version: "x" })).code).toBe("MF_ERR_PLUGIN_INVALID");
    expect(caught(() => r.register(everything)).code).toBe("MF_ERR_PLUGIN_DUPLICATE");
    const renamed = { ...everything, name: "other" };
    expect(caught(() => r.register(renamed)).code).toBe("MF_ERR_PLUGIN_SDK_RANGE");
    expect(caught(() => r.register({ ...renamed, sdk: "^1.0.0" })).code).toBe("MF_ERR_PLUGIN_DEPENDENCY");
    expect(caught(() => r.register({ ...renamed, sdk: "^1.0.0", dependencies: {} })).code).toBe("MF_ERR_PLUGIN_CONFLICT");
  });

  it("a threshold must watch a channel of the plugin or of a direct dependency", () => {
    const r = new PluginRegistry();
    r.registerAll([climate, coldChain]);
    const t = { name: "wet", channel: "rh", above: 90, severity: "info", message: "wet" } as const;
    r.register(plugin({ name: "direct", dependencies: { "test-climate": "1.x" }, thresholds: [t] }));
    const e = caught(() => r.register(plugin({ name: "indirect", dependencies: { "test-cold-chain": "*" }, thresholds: [t] })));
    expect(e.code).toBe("MF_ERR_PLUGIN_INVALID");
    expect(e.problems).toEqual([{ path: "thresholds[0].channel", message: '"rh" is not a channel of this plugin or of its dependencies (plugin "test-climate" provides it: add it to dependencies)' }]);
  });

  it("MF_ERR_PLUGIN_CONFLICT for a meter type, channel or fact column defined twice, listing each", () => {
    const r = new PluginRegistry();
    r.registerAll([meters, climate]);
    const clash = plugin({
      name: "clash",
      meterTypes: [meters.meterTypes[0]],
      sensors: [sensor("temp"), sensor("dew")],
      facts: [defineFact({ name: "f", description: "", reads: ["value"], writes: ["rh_x", "rh"], compute() {} })],
    });
    const e = caught(() => r.register(clash));
    expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_CONFLICT", "clash", "register"]);
    expect(e.message.split("; ")).toEqual([
      '[plugin clash] register: meter type "water.register" is a meter type of plugin "test-meters"',
      'channel "temp" is a channel of plugin "test-climate"',
      'channel "dew" is a fact column of plugin "test-climate"',
      'fact column "rh" (fact f) is a channel of plugin "test-climate"',
    ]);
    expect(r.plugins).toHaveLength(2);
  });
});

describe("PluginRegistry.registerAll", () => {
  const a = plugin({ name: "a", dependencies: { b: "*" } });
  const b = plugin({ name: "b", dependencies: { c: "^1.0.0" } });
  const c = plugin({ name: "c" });
  const d = plugin({ name: "d" });

  it("orders by dependencies, otherwise keeps the order given", () => {
    const r = new PluginRegistry();
    r.registerAll([d, a, b, c]);
    expect(r.plugins.map((p) => p.name)).toEqual(["d", "c", "b", "a"]);
    const r2 = new PluginRegistry();
    r2.registerAll([coldChain, meters, climate]);
    expect(r2.plugins.map((p) => p.name)).toEqual(["test-meters", "test-climate", "test-cold-chain"]);
  });

  it("dependencies may be registered already", () => {
    const r = new PluginRegistry();
    r.register(c);
    r.registerAll([a, b]);
    expect(r.plugins.map((p) => p.name)).toEqual(["c", "b", "a"]);
  });

  it("a missing dependency or a cycle is MF_ERR_PLUGIN_DEPENDENCY", () => {
    const missing = caught(() => new PluginRegistry().registerAll([a, b]));
    expect([missing.code, missing.plugin]).toEqual(["MF_ERR_PLUGIN_DEPENDENCY", "b"]);
    expect(missing.message).toContain('needs "c" ^1.0.0');
    const cycle = caught(() => new PluginRegistry().registerAll([d, a, b, plugin({ name: "c", dependencies: { a: "*" } })]));
    expect(cycle.code).toBe("MF_ERR_PLUGIN_DEPENDENCY");
    expect(cycle.message).toContain("dependency cycle: a -> b -> c -> a");
  });

  it("validates everything first, and a name given twice is MF_ERR_PLUGIN_DUPLICATE", () => {
    expect(caught(() => new PluginRegistry().registerAll([c, plugin({ name: "x", sdk: 1 })])).code).toBe("MF_ERR_PLUGIN_INVALID");
    expect(caught(() => new PluginRegistry().registerAll([c, d, c])).code).toBe("MF_ERR_PLUGIN_DUPLICATE");
    // Another plugin under the same name is not the same one given twice: the message says so.
    const copy = caught(() => new PluginRegistry().registerAll([c, d, { ...c, version: "2.0.0" }]));
    expect([copy.code, copy.message]).toEqual(["MF_ERR_PLUGIN_DUPLICATE",
      `[plugin c] register: two different plugins are named "c" (versions ${c.version} and 2.0.0): a plugin's name is unique among all plugins, the built-in ones included; give yours its own (its npm package name)`]);
  });

  it("all or nothing: a failure leaves the registry as it was", () => {
    const r = new PluginRegistry();
    r.register(meters);
    const clash = plugin({ name: "clash", sensors: [sensor("temp")] });
    expect(caught(() => r.registerAll([climate, clash])).code).toBe("MF_ERR_PLUGIN_CONFLICT");
    expect(r.plugins.map((p) => p.name)).toEqual(["test-meters"]);
    expect([r.channels, r.thresholds, r.facts]).toEqual([[], [], []]);
    r.registerAll([climate]);
    expect(r.channels.map((x) => x.name)).toEqual(["temp", "rh"]);
  });
});

describe("PluginRegistry hooks", () => {
  function tracing(calls: string[], failing: Record<string, string> = {}) {
    return (name: string) =>
      plugin({
        name,
        hooks: {
          async setup(context: { sdkVersion: string; log(m: string): void }) {
            calls.push(`setup ${name}`);
            context.log(`hello from ${name} on ${context.sdkVersion}`);
            if (failing[name] === "setup") throw new Error(`${name} cannot start`);
          },
          async teardown() {
            calls.push(`teardown ${name}`);
            if (failing[name] === "teardown") throw new Error(`${name} cannot stop`);
          },
        },
      });
  }

  it("setup in registration order with a context logging with the plugin's name; teardown in reverse", async () => {
    const calls: string[] = [];
    const logs: string[] = [];
    const make = tracing(calls);
    const r = new PluginRegistry();
    r.registerAll([make("one"), make("two"), plugin({ name: "none" })]);
    await r.setup({ log: (m) => logs.push(m) });
    await r.setup(); // each plugin is set up once
    await r.teardown();
    expect(calls).toEqual(["setup one", "setup two", "teardown two", "teardown one"]);
    expect(logs).toEqual(["[plugin one] hello from one on 1.0.0", "[plugin two] hello from two on 1.0.0"]);
  });

  it("a failing setup rejects with MF_ERR_PLUGIN_HOOK naming plugin and hook; later setups do not run", async () => {
    const calls: string[] = [];
    const make = tracing(calls, { two: "setup" });
    const r = new PluginRegistry();
    r.registerAll([make("one"), make("two"), make("three")]);
    const e = await rejected(r.setup({ log: () => {} }));
    expect([e.code, e.plugin, e.hook, (e.cause as Error).message]).toEqual(["MF_ERR_PLUGIN_HOOK", "two", "setup", "two cannot start"]);
    expect(e.message).toBe("[plugin two] setup: setup failed: two cannot start");
    await r.teardown();
    expect(calls).toEqual(["setup one", "setup two", "teardown one"]);
  });

  it("teardown attempts every plugin and rejects with the first failure", async () => {
    const calls: string[] = [];
    const make = tracing(calls, { two: "teardown", three: "teardown" });
    const r = new PluginRegistry();
    r.registerAll([make("one"), make("two"), make("three")]);
    await r.setup({ log: () => {} });
    const e = await rejected(r.teardown());
    expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_HOOK", "three", "teardown"]);
    expect(calls.slice(3)).toEqual(["teardown three", "teardown two", "teardown one"]);
    await r.teardown(); // nothing set up any more
    expect(calls).toHaveLength(6);
  });

  it("a hook that throws synchronously still rejects", async () => {
    const r = new PluginRegistry();
    r.register(plugin({ hooks: { setup: () => { throw new Error("sync"); } } }));
    expect((await rejected(r.setup())).code).toBe("MF_ERR_PLUGIN_HOOK");
  });
});

describe("PluginRegistry.runFacts", () => {
  it("runs facts in registration order; missing inputs are NaN; outputs join the columns for later facts", () => {
    const seen: number[][] = [];
    const humid = plugin({
      name: "humid",
      dependencies: { "test-climate": "^1.0.0" },
      facts: [
        defineFact({
          name: "humid",
          description: "",
          reads: ["dew", "daily"],
          writes: ["humid"],
          compute(input, output, n) {
            seen.push([...input.daily]);
            for (let i = 0; i < n; i++) output.humid[i] = (input.dew[i] as number) > 10 ? 1 : 0;
          },
        }),
      ],
    });
    const r = new PluginRegistry();
    r.registerAll([humid, climate]);
    const columns: Record<string, Float64Array> = { temp: Float64Array.of(20, 30, Number.NaN), rh: Float64Array.of(50, 90, 50) };
    expect(r.runFacts(columns, 3)).toBe(columns);
    expect(Object.keys(columns)).toEqual(["temp", "rh", "dew", "humid"]);
    expect([...(columns.dew as Float64Array)]).toEqual([10, 28, Number.NaN]);
    expect([...(columns.humid as Float64Array)]).toEqual([0, 1, 0]);
    expect(seen).toEqual([[Number.NaN, Number.NaN, Number.NaN]]);
  });

  it("a fact may return the output column it filled in place", () => {
    const r = new PluginRegistry();
    r.register(plugin({ facts: [defineFact({ name: "fill", description: "", reads: ["value"], writes: ["y"], compute: (_, output) => output.y.fill(2) })] }));
    const columns: Record<string, Float64Array> = { value: new Float64Array(2) };
    r.runFacts(columns, 2);
    expect([...(columns.y as Float64Array)]).toEqual([2, 2]);
  });

  it("outputs start NaN; a column the batch carries under an output's name is replaced", () => {
    const r = new PluginRegistry();
    r.register(plugin({ facts: [defineFact({ name: "half", description: "", reads: ["value"], writes: ["y"], compute(input, output) { output.y[0] = 1; } })] }));
    const columns = { value: new Float64Array(3), y: Float64Array.of(7, 7, 7) };
    r.runFacts(columns, 3);
    expect([...columns.y]).toEqual([1, Number.NaN, Number.NaN]);
  });

  it("a throwing fact is MF_ERR_PLUGIN_FACT with hook facts:<name>; so is an undeclared column, a promise or values returned", () => {
    const fact = (name: string, compute: (input: Record<string, Float64Array>, output: Record<string, Float64Array>) => unknown) =>
      plugin({ name, facts: [{ name: "f", description: "", reads: ["value"], writes: ["y"], compute }] });
    const cases: Array<[PluginDescriptor, RegExp]> = [
      [fact("throws", () => { throw new Error("nope"); }), /compute threw: nope/],
      [fact("undeclared", (_, output) => { output.z = new Float64Array(1); }), /compute threw: .*z/],
      // Its column replaced rather than written into: the message says how to write it.
      [fact("replaces", (input, output) => { output.y = (input.value as Float64Array).map((x) => x * 2); }),
        /compute threw: Cannot assign to read only property 'y' .* \(output\.y is a column there already, filled with NaN: write each row into it, output\.y\[i\] = \.\.\., rather than assigning a new one\)/],
      [fact("async", async () => {}), /returned a promise/],
      // Its values returned, not written: its column would stay NaN and its rules never fire.
      [fact("returns", (input) => Array.from(input.value ?? [], (x) => x * 2)), /compute returned an array: what it returns is dropped; it must write each row's value into its output column \(output\.y\[i\] = \.\.\.\) and return nothing/],
      [fact("returns-column", (input) => (input.value as Float64Array).map((x) => x * 2)), /compute returned a Float64Array: what it returns is dropped/],
    ];
    for (const [p, message] of cases) {
      const r = new PluginRegistry();
      r.register(p);
      const e = caught(() => r.runFacts({ value: new Float64Array(1) }, 1));
      expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_FACT", p.name, "facts:f"]);
      expect(e.message).toMatch(message);
    }
  });

  it("a fact that writes into a column it reads is MF_ERR_PLUGIN_FACT, and the batch's column is left as it was", () => {
    const r = new PluginRegistry();
    r.register(plugin({ name: "capper", facts: [{ name: "cap", description: "", reads: ["consumption"], writes: ["y"],
      compute(input: Record<string, Float64Array>, output: Record<string, Float64Array>, n: number) {
        for (let i = 0; i < n; i++) {
          if (input.consumption[i] > 10) input.consumption[i] = 10;
          output.y[i] = input.consumption[i];
        }
      } }] }));
    // Below the cap nothing is written into the input: the fact runs.
    const fine: Record<string, Float64Array> = { consumption: Float64Array.of(1, Number.NaN, 3) };
    r.runFacts(fine, 3);
    expect([...fine.y]).toEqual([1, Number.NaN, 3]);
    const columns = { consumption: Float64Array.of(5, 25_000, 7) };
    const e = caught(() => r.runFacts(columns, 3));
    expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_FACT", "capper", "facts:cap"]);
    expect(e.message).toMatch(/compute wrote into column "consumption", which it reads \(row 1\): a fact writes only the columns of its writes \(y\)/);
    expect([...columns.consumption]).toEqual([5, 25_000, 7]);
    expect(Object.keys(columns)).toEqual(["consumption"]);

    // So is a write into an input the batch lacks (NaN-filled for the fact).
    const r2 = new PluginRegistry();
    r2.register(plugin({ name: "filler", facts: [{ name: "fill", description: "", reads: ["value"], writes: ["y"],
      compute(input: Record<string, Float64Array>, _output: Record<string, Float64Array>, n: number) { input.value.fill(0, 0, n); } }] }));
    expect(caught(() => r2.runFacts({}, 2)).message).toMatch(/compute wrote into column "value", which it reads \(row 0\)/);
  });

  it("refuses a column shorter than the batch and a bad length", () => {
    const r = new PluginRegistry();
    r.register(climate);
    expect(() => r.runFacts({ temp: new Float64Array(2) }, 3)).toThrow(RangeError);
    expect(() => r.runFacts({}, -1)).toThrow(RangeError);
  });
});
