// Where the package's files live: the compiled kernels in `build/` at the package root (found by
// walking up from this file, so the same code works from the TypeScript sources, from `dist/` and
// from the bundled command line in `dist/bin/`), and the scripts threads start from.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The meterflow package root (the directory holding its package.json). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("meterflow: package.json not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
  root = dir;
  return dir;
}

/** Path of a kernels build: `build/kernels-simd.wasm` or `build/kernels-scalar.wasm`. */
export function kernelsPath(build: "simd" | "scalar"): string {
  return join(packageRoot(), "build", `kernels-${build}.wasm`);
}

/**
 * The script a thread starts from: `name` beside the module that starts it (`from`, its
 * import.meta.url), or, from a bundle (chunks end in .mjs: rolldown.config.mjs), the thread's own
 * bundle, dist/threads/`bundled`.mjs: from the command line in dist/bin/, and from a thread in
 * dist/threads/ that starts threads of its own (an API job runs a whole run).
 */
export function threadScript(name: string, from: string, bundled: string): URL {
  return new URL(from.endsWith(".mjs") ? `../threads/${bundled}.mjs` : name, from);
}

/** Whether a thread can start from `script` here: a compiled file that exists (not from the TypeScript sources). */
export function canStartThread(script: URL): boolean {
  return script.protocol === "file:" && /\.m?js$/.test(fileURLToPath(script)) && existsSync(script);
}
