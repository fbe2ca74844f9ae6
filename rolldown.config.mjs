// The command line as a bundle: unbundled, `meterflow` loads some 210 ES modules of dist/ one by
// one before it reads a line, and each thread about a hundred more. Bundled (docs/benchmarks.md,
// 2026-12-06 21:15-21:45), the command line is a chunk per command in dist/bin/ (split where
// commands share code), and the threads' scripts are bundled apart in dist/threads/, so that
// neither splits the other's chunks finer: a thread started from a chunk of dist/bin/ (its
// starter asks engine/wasm/paths.ts `threadScript`, which knows a bundle by its chunks' .mjs)
// runs dist/threads/<name>.mjs. Built from dist/ after tsc (`npm run build:ts`); packages stay
// external (node_modules). The bin's #! line comes through from engine/cli/main.ts.
const shared = {
  platform: "node",
  external: (id) => !id.startsWith(".") && !id.startsWith("/"),
};
const output = (dir) => ({ dir, format: "esm", entryFileNames: "[name].mjs", chunkFileNames: "[name]-[hash].mjs", cleanDir: true });

export default [
  { ...shared, input: { meterflow: "dist/engine/cli/main.js" }, output: output("dist/bin") },
  {
    ...shared,
    input: {
      "decoding-thread": "dist/engine/ingest/worker.js",
      "writer-thread": "dist/engine/runtime/writer-worker.js",
      "decision-thread": "dist/engine/pool/worker.js",
      "import-thread": "dist/engine/registry/import-worker.js",
      "job-thread": "dist/engine/api/jobs/thread.js",
    },
    output: output("dist/threads"),
  },
];
