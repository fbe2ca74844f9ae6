// Where the compiled kernels live: `build/` at the package root, found by walking up from this
// file, so the same code works from the TypeScript sources and from `dist/`.
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
