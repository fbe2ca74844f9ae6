// The package test (npm run test:pack): packs meterflow-engine, installs the tarball into empty
// projects from the npm registry and follows docs/plugins.md. Not part of `npm test` (it needs the
// registry and a few minutes); .ci/run runs it after `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/pack/**/*.pack.ts"],
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
