// Strict requests on every route, in one place (README "Control API"): a query parameter the
// route does not declare is 400 MF_ERR_API_INVALID, and a body of another media type than the
// route declares is 415 MF_ERR_API_UNSUPPORTED_MEDIA (multipart/form-data is not
// application/x-www-form-urlencoded, which the zod validator takes as the same form). What a route
// declares is read from its OpenAPI definition; its zod schemas then check the declared query and
// body strictly. A route outside the document (the status page, the document itself) declares
// neither.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { ApiEnv } from "./context.js";
import { ApiError } from "./errors.js";

interface Declared {
  /** Whether the route has a query schema (strict: it names every parameter it takes). */
  query: boolean;
  /** The media types of its body, lower case; empty when it takes none. */
  media: string[];
}

const NOTHING: Declared = { query: false, media: [] };

/** The request's media type without its parameters (`multipart/form-data; boundary=...` -> `multipart/form-data`). */
const essence = (contentType: string) => contentType.split(";")[0].trim().toLowerCase();

export function strictRequests(app: OpenAPIHono<ApiEnv>): MiddlewareHandler<ApiEnv> {
  // Read once every route is registered (at the first request), by method and Hono path.
  let table: Map<string, Declared> | undefined;
  const declared = (): Map<string, Declared> => {
    table ??= new Map(app.openAPIRegistry.definitions.flatMap((d) => (d.type !== "route" ? [] : [[
      `${d.route.method.toUpperCase()} ${d.route.path.replaceAll(/\/{(.+?)}/g, "/:$1")}`,
      { query: d.route.request?.query !== undefined, media: Object.keys(d.route.request?.body?.content ?? {}).map(essence) },
    ] as const])));
    return table;
  };
  return async (c, next) => {
    const route = matchedRoutes(c).filter((r) => r.method !== "ALL").at(-1);
    // No route: the 404 says so.
    if (route === undefined) return next();
    const d = declared().get(`${route.method} ${route.path}`) ?? NOTHING;
    if (!d.query) {
      const names = [...new URL(c.req.url).searchParams.keys()];
      if (names.length > 0) {
        const issues = [...new Set(names)].map((name) => ({ path: name, message: "not a parameter of this route", code: "unrecognized_keys" }));
        throw new ApiError(400, "MF_ERR_API_INVALID", `invalid query: ${route.method} ${route.path} takes no query parameters (got ${issues.map((i) => i.path).join(", ")})`, { issues });
      }
    }
    const type = c.req.header("content-type");
    if (d.media.length > 0 && type !== undefined && !d.media.includes(essence(type))) {
      throw new ApiError(415, "MF_ERR_API_UNSUPPORTED_MEDIA", `the body must be ${d.media.join(" or ")}, not ${essence(type)}`);
    }
    return next();
  };
}
