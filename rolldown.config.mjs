// The command line as a bundle (dist/bin/): unbundled, `meterflow` loads some 210 ES modules of
// dist/ one by one before it reads a line; bundled into a chunk per command (split where commands
// share code) it starts sooner and a nightly run takes less CPU (docs/benchmarks.md, 2026-12-06
// 21:20). Built from dist/ after tsc (`npm run build:ts`). Packages stay external (node_modules),
// and so do the threads: a thread starts from its script under dist/ (engine/wasm/paths.ts,
// `threadScript`, which knows the bundle by its chunks' .mjs). The bin's #! line comes through
// from engine/cli/main.ts.
export default {
  input: { meterflow: "dist/engine/cli/main.js" },
  platform: "node",
  external: (id) => !id.startsWith(".") && !id.startsWith("/"),
  output: { dir: "dist/bin", format: "esm", entryFileNames: "[name].mjs", chunkFileNames: "[name]-[hash].mjs", cleanDir: true },
};
