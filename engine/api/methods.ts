// The methods a path answers, for 405 Method Not Allowed (RFC 9110 15.5.6): a request to a path the
// API serves with another method is told which ones it takes (`Allow`), not that the path is unknown.
import type { Hono } from "hono";

/** A Hono route pattern (`/v1/meters/:id`, `/v1/photos/:sha256{[0-9a-f]+}`) as a regular expression. */
function patternOf(path: string): RegExp {
  const source = path.split("/").map((part) => {
    if (part === "*") return ".*";
    const param = /^:[^{]+(?:\{(.+)\})?$/.exec(part);
    if (param !== null) return param[1] === undefined ? "[^/]+" : `(?:${param[1]})`;
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("/");
  return new RegExp(`^${source}/?$`);
}

/** The methods of `app`'s routes (middleware aside) whose pattern matches `path`, sorted; GET brings HEAD. */
export function methodsOn(app: Hono<any, any, any>, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || !patternOf(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods].sort();
}
