// Type-level tests of the SDK's public types: what a plugin author's editor and compiler see.
// `// @ts-expect-error` lines must stay errors (tsc fails on an unused one).
import { describe, expectTypeOf, it } from "vitest";
import { PluginError, defineFact, definePlugin } from "../../sdk/index.js";
import type {
  Alert,
  DerivedFactDefinition,
  InputColumns,
  MeterTypeDefinition,
  OutputColumns,
  PluginContext,
  PluginDescriptor,
  PluginErrorCode,
  PluginHooks,
  PulseInput,
  PulseMeterType,
  RegisterMeterType,
  RuleFile,
  SensorChannelDefinition,
  Severity,
  ThresholdDefinition,
} from "../../sdk/index.js";
import type { TestEngine } from "../../sdk/testing/index.js";

describe("definePlugin", () => {
  it("returns its argument's literal type", () => {
    const p = definePlugin({
      name: "acme",
      version: "1.0.0",
      sdk: "^1.0.0",
      sensors: [{ name: "vibration", unit: "mm/s", description: "", range: { min: 0, max: 100 } }],
    });
    expectTypeOf(p.name).toEqualTypeOf<"acme">();
    expectTypeOf(p.sdk).toEqualTypeOf<"^1.0.0">();
    expectTypeOf(p.sensors[0].name).toEqualTypeOf<"vibration">();
    expectTypeOf(p).toExtend<PluginDescriptor>();
  });

  it("refuses a descriptor without name, version or sdk, or with wrong field types", () => {
    // @ts-expect-error name is required
    definePlugin({ version: "1.0.0", sdk: "^1.0.0" });
    // @ts-expect-error sdk is required
    definePlugin({ name: "a", version: "1.0.0" });
    // @ts-expect-error a severity outside the union
    definePlugin({ name: "a", version: "1.0.0", sdk: "*", thresholds: [{ name: "t", channel: "c", above: 1, severity: "fatal", message: "" }] });
    // @ts-expect-error hooks are async
    definePlugin({ name: "a", version: "1.0.0", sdk: "*", hooks: { setup: (_: PluginContext) => 1 } });
  });
});

describe("defineFact", () => {
  it("types input and output with exactly the declared columns", () => {
    const fact = defineFact({
      name: "dew-point",
      description: "",
      reads: ["temperature", "humidity"],
      writes: ["dew_point"],
      compute(input, output, length) {
        expectTypeOf(input).toEqualTypeOf<InputColumns<"temperature" | "humidity">>();
        expectTypeOf(output).toEqualTypeOf<OutputColumns<"dew_point">>();
        expectTypeOf(input.temperature).toEqualTypeOf<Float64Array>();
        expectTypeOf(length).toEqualTypeOf<number>();
        // @ts-expect-error an undeclared input column
        void input.pressure;
        // @ts-expect-error an undeclared output column
        void output.frost_point;
        // @ts-expect-error input columns are read-only properties
        input.temperature = new Float64Array(0);
      },
    });
    expectTypeOf(fact).toEqualTypeOf<DerivedFactDefinition<"temperature" | "humidity", "dew_point">>();
    expectTypeOf(fact.reads).toEqualTypeOf<readonly ("temperature" | "humidity")[]>();
  });

  it("a fact with specific columns fits a plugin's facts", () => {
    const fact = defineFact({ name: "f", description: "", reads: ["a"], writes: ["b"], compute() {} });
    expectTypeOf(definePlugin({ name: "p", version: "1.0.0", sdk: "*", facts: [fact] })).toExtend<PluginDescriptor>();
  });

  it("compute returns void (an async compute type-checks, as any function does for void: the registry refuses its promise at run time, MF_ERR_PLUGIN_FACT)", () => {
    expectTypeOf<ReturnType<DerivedFactDefinition["compute"]>>().toEqualTypeOf<void>();
  });
});

describe("PluginDescriptor", () => {
  it("has the documented fields", () => {
    expectTypeOf<PluginDescriptor["name"]>().toEqualTypeOf<string>();
    expectTypeOf<PluginDescriptor["version"]>().toEqualTypeOf<string>();
    expectTypeOf<PluginDescriptor["sdk"]>().toEqualTypeOf<string>();
    expectTypeOf<PluginDescriptor["dependencies"]>().toEqualTypeOf<Readonly<Record<string, string>> | undefined>();
    expectTypeOf<PluginDescriptor["meterTypes"]>().toEqualTypeOf<readonly MeterTypeDefinition[] | undefined>();
    expectTypeOf<PluginDescriptor["sensors"]>().toEqualTypeOf<readonly SensorChannelDefinition[] | undefined>();
    expectTypeOf<PluginDescriptor["thresholds"]>().toEqualTypeOf<readonly ThresholdDefinition[] | undefined>();
    expectTypeOf<PluginDescriptor["rules"]>().toEqualTypeOf<readonly RuleFile[] | undefined>();
    expectTypeOf<PluginDescriptor["hooks"]>().toEqualTypeOf<PluginHooks | undefined>();
    expectTypeOf<NonNullable<PluginHooks["setup"]>>().toEqualTypeOf<(context: PluginContext) => Promise<void>>();
    expectTypeOf<RuleFile["rules"]>().toEqualTypeOf<readonly object[]>();
  });
});

describe("MeterTypeDefinition", () => {
  it("is discriminated by kind", () => {
    expectTypeOf<MeterTypeDefinition>().toEqualTypeOf<RegisterMeterType | PulseMeterType>();
    expectTypeOf<Extract<MeterTypeDefinition, { kind: "pulse" }>>().toEqualTypeOf<PulseMeterType>();
    expectTypeOf<PulseMeterType["defaults"]["pulseWeight"]>().toEqualTypeOf<number>();
    expectTypeOf<NonNullable<PulseMeterType["defaults"]["pulseInput"]>>().toEqualTypeOf<PulseInput>();
    expectTypeOf<PulseInput>().toEqualTypeOf<"s0a" | "s0b" | "namur" | "reed">();
    const narrow = (t: MeterTypeDefinition): number | undefined => (t.kind === "pulse" ? t.defaults.pulseWeight : t.defaults?.digits);
    expectTypeOf(narrow).returns.toEqualTypeOf<number | undefined>();
  });

  it("a pulse meter type requires defaults.pulseWeight; a register meter type has no pulse defaults", () => {
    const ok: MeterTypeDefinition = { name: "water.pulse", kind: "pulse", unit: "m3", description: "", defaults: { pulseWeight: 0.01 } };
    expectTypeOf(ok).toExtend<MeterTypeDefinition>();
    // @ts-expect-error no defaults
    const noDefaults: MeterTypeDefinition = { name: "water.pulse", kind: "pulse", unit: "m3", description: "" };
    // @ts-expect-error defaults without pulseWeight
    const noWeight: MeterTypeDefinition = { name: "water.pulse", kind: "pulse", unit: "m3", description: "", defaults: { pulseInput: "reed" } };
    // @ts-expect-error pulseWeight is not a register default
    const register: MeterTypeDefinition = { name: "water.register", kind: "register", unit: "m3", description: "", defaults: { pulseWeight: 1 } };
    void [noDefaults, noWeight, register];
  });
});

describe("sensors", () => {
  it("Severity is the alert levels", () => {
    expectTypeOf<Severity>().toEqualTypeOf<"info" | "warning" | "critical">();
  });

  it("ThresholdDefinition", () => {
    expectTypeOf<ThresholdDefinition>().toEqualTypeOf<{
      readonly name: string;
      readonly channel: string;
      readonly above?: number;
      readonly below?: number;
      readonly forMinutes?: number;
      readonly hysteresis?: number;
      readonly severity: Severity;
      readonly message: string;
    }>();
    expectTypeOf<SensorChannelDefinition["range"]>().toEqualTypeOf<{ readonly min: number; readonly max: number }>();
    expectTypeOf<SensorChannelDefinition["integer"]>().toEqualTypeOf<boolean | undefined>();
  });
});

describe("errors, alerts and the test engine", () => {
  it("PluginError carries a code from the union, the plugin and the hook", () => {
    expectTypeOf<PluginError>().toExtend<Error>();
    expectTypeOf<PluginError["code"]>().toEqualTypeOf<PluginErrorCode>();
    expectTypeOf<PluginErrorCode>().toEqualTypeOf<
      | "MF_ERR_PLUGIN_INVALID"
      | "MF_ERR_PLUGIN_SDK_RANGE"
      | "MF_ERR_PLUGIN_DEPENDENCY"
      | "MF_ERR_PLUGIN_DUPLICATE"
      | "MF_ERR_PLUGIN_CONFLICT"
      | "MF_ERR_PLUGIN_HOOK"
      | "MF_ERR_PLUGIN_FACT"
    >();
    expectTypeOf<PluginError["plugin"]>().toEqualTypeOf<string>();
    expectTypeOf<PluginError["hook"]>().toEqualTypeOf<string>();
  });

  it("Alert and the test engine's results", () => {
    expectTypeOf<Alert["severity"]>().toEqualTypeOf<Severity>();
    expectTypeOf<ReturnType<TestEngine["validate"]>>().toEqualTypeOf<"ok" | "out_of_range" | "unknown_channel">();
    expectTypeOf<ReturnType<TestEngine["feed"]>["alerts"]>().toEqualTypeOf<Alert[]>();
  });
});
