// The bundled command line (dist/bin/, rolldown.config.mjs), the package's bin: every thread the
// engine starts has its own bundle (dist/threads/), built from the very script the unbundled code
// starts (`threadScript`'s name beside its starter), and a starter in a bundle chunk asks for it. A
// thread missing from the bundle would not fail a run: the run would quietly do that work in
// its main thread (canStartThread is false), so this checks the bundle itself.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { canStartThread, packageRoot, threadScript } from "../../../engine/wasm/paths.js";

const root = packageRoot();
const configs = ((await import(pathToFileURL(join(root, "rolldown.config.mjs")).href)) as { default: Array<{ input: Record<string, string> }> }).default;
/** Every bundle's entries: the command line's and the threads'. */
const inputs: Record<string, string> = Object.assign({}, ...configs.map((c) => c.input));

/** Every `threadScript(name, import.meta.url, bundled)` in the engine's sources, with the file it is in. */
function starters(dir = join(root, "engine")): Array<{ file: string; name: string; bundled: string }> {
  const found: Array<{ file: string; name: string; bundled: string }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...starters(path));
    else if (entry.name.endsWith(".ts")) {
      for (const m of readFileSync(path, "utf8").matchAll(/threadScript\("([^"]+)", import\.meta\.url, "([^"]+)"\)/g)) {
        found.push({ file: relative(root, path), name: m[1], bundled: m[2] });
      }
    }
  }
  return found;
}

describe("the bundled command line", () => {
  it("bundles the script of every thread the engine starts, under the name its starter asks for", () => {
    const found = starters();
    // The decoding, writing, decision, registry import and API job threads.
    expect(found.map((s) => s.bundled).sort()).toEqual(["decision-thread", "decoding-thread", "import-thread", "job-thread", "writer-thread"]);
    for (const { file, name, bundled } of found) {
      // Built from the script the unbundled starter starts (its .js under dist/).
      expect(inputs[bundled], `${file}: ${bundled}`).toBe(join("dist", dirname(file), name));
      expect(existsSync(join(root, "dist", "threads", `${bundled}.mjs`)), `dist/threads/${bundled}.mjs (npm run build)`).toBe(true);
      expect(canStartThread(threadScript(name, pathToFileURL(join(root, "dist", "bin", "some-chunk.mjs")).href, bundled)), bundled).toBe(true);
    }
  });

  it("starts a thread from its bundle when the starter is a bundle chunk, and from the script beside it otherwise", () => {
    expect(threadScript("./worker.js", "file:///pkg/dist/bin/threaded-BWYKsS-P.mjs", "decoding-thread").href).toBe("file:///pkg/dist/threads/decoding-thread.mjs");
    expect(threadScript("./worker.js", "file:///pkg/dist/engine/ingest/threaded.js", "decoding-thread").href).toBe("file:///pkg/dist/engine/ingest/worker.js");
    // From the TypeScript sources no thread starts: there is no compiled script beside them.
    expect(canStartThread(threadScript("./worker.js", pathToFileURL(join(root, "engine", "ingest", "threaded.ts")).href, "decoding-thread"))).toBe(false);
  });
});
