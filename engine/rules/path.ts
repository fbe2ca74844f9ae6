// JSONPath for condition `path`s, reproducing jsonpath-plus `{ json, path, wrap: false }` (what
// json-rules-engine calls) for the paths compiled here: `$`, `.name`, `.0`, `[0]`, `['name']`, `.*`, `[*]`.
// Any other path is reported as unsupported and the rule falls back to json-rules-engine.

/** A parsed path: property names, with `null` standing for a wildcard. */
export interface CompiledPath {
  readonly source: string;
  readonly steps: readonly (string | null)[];
  readonly wildcard: boolean;
}

const SEGMENT = /^(?:\.([A-Za-z_][A-Za-z0-9_]*|\d+|\*)|\[(\d+|\*)\]|\['([A-Za-z_][A-Za-z0-9_]*)'\])/;

/** Parses a path, or returns undefined when jsonpath-plus might read it differently from this module. */
export function parsePath(path: string): CompiledPath | undefined {
  if (!path.startsWith("$")) return undefined;
  const steps: (string | null)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (m === null) return undefined;
    const name = m[1] ?? m[2] ?? m[3];
    steps.push(name === "*" ? null : name);
    rest = rest.slice(m[0].length);
  }
  return { source: path, steps, wildcard: steps.includes(null) };
}

const hasOwn = Object.hasOwn as (value: unknown, key: PropertyKey) => boolean;

/**
 * The value jsonpath-plus returns: without a wildcard the matched value or undefined; through a
 * wildcard an array of every match, or undefined when nothing matched.
 */
export function resolvePath(json: unknown, path: CompiledPath): unknown {
  const steps = path.steps;
  if (!path.wildcard) {
    let val: any = json;
    for (let i = 0; i < steps.length; i++) {
      const key = steps[i] as string;
      if (!val || !hasOwn(val, key)) return undefined;
      val = val[key];
    }
    return val;
  }
  const out: unknown[] = [];
  trace(json, steps, 0, out);
  return out.length === 0 ? undefined : out;
}

function trace(val: any, steps: readonly (string | null)[], i: number, out: unknown[]): void {
  if (i === steps.length) {
    out.push(val);
    return;
  }
  const key = steps[i];
  if (key !== null) {
    if (val && hasOwn(val, key)) trace(val[key], steps, i + 1, out);
    return;
  }
  if (Array.isArray(val)) {
    for (let k = 0; k < val.length; k++) trace(val[k], steps, i + 1, out);
  } else if (val && typeof val === "object") {
    for (const k of Object.keys(val)) trace(val[k], steps, i + 1, out);
  }
}
