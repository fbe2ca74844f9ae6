// The kernels' exported constants match the engine's: flag bits, rollover modes, status codes.
import { describe, expect, it } from "vitest";
import { ROLLOVER_MODE } from "../../engine/consumption/index.js";
import { FLAG } from "../../engine/flags/index.js";
import { loadKernels } from "../../engine/wasm/index.js";

describe.each(["simd", "scalar"] as const)("kernel constants (%s build)", (build) => {
  const { exports } = loadKernels(build);
  const constant = (name: string) => (exports[name as `FLAG_${string}`] as WebAssembly.Global).value as number;

  it("writes the engine's flag bits", () => {
    const names = ["initial", "override", "rollover", "rollover_inferred", "implausible_rollover", "zero"] as const;
    for (const name of names) expect(constant(`FLAG_${name.toUpperCase()}`), name).toBe(FLAG[name]);
  });

  it("reads the engine's rollover mode codes", () => {
    expect(constant("MODE_DOCUMENTED")).toBe(ROLLOVER_MODE.documented);
    expect(constant("MODE_MODULUS")).toBe(ROLLOVER_MODE.modulus);
  });

  it("reports status codes the engine translates", () => {
    expect([constant("STATUS_OK"), constant("STATUS_BAD_LENGTH"), constant("STATUS_OUT_OF_BOUNDS")]).toEqual([0, 1, 2]);
  });
});
