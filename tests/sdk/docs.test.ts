// docs/plugins.md stays true: its plugin and test file are tests/sdk/testing/guide/, word for
// word but for the import specifiers (run there, they must pass).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const guide = readFileSync(join(root, "docs/plugins.md"), "utf8");
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const local = (code: string) =>
  code
    .replaceAll('"meterflow/sdk/testing"', '"../../../../sdk/testing/index.js"')
    .replaceAll('"meterflow/sdk"', '"../../../../sdk/index.js"')
    .replaceAll('"../src/index.js"', '"./vibration.js"');

describe("docs/plugins.md", () => {
  it.each([
    ["// src/index.ts", "tests/sdk/testing/guide/vibration.ts"],
    ["// test/vibration.test.ts", "tests/sdk/testing/guide/vibration.test.ts"],
  ])("the block starting %j is %s", (start, file) => {
    const block = blocks.find((b) => b.startsWith(start));
    expect(block, start).toBeDefined();
    expect(local(block as string)).toBe(readFileSync(join(root, file), "utf8"));
  });

  it("names the configuration file as the engine reads it", () => {
    expect(guide).toContain('{ "plugins": ["@acme/meterflow-vibration", "./plugins/local.js"] }');
  });
});
