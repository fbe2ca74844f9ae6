// Liveness (no token), readiness (the store answers, and NATS when configured) and the Prometheus metrics.
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiDeps, ApiEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { errors } from "../schemas.js";

export function healthRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(createRoute({
    method: "get", path: "/health", tags: ["health"], summary: "Liveness: the server answers (no token needed)", security: [],
    responses: { 200: { description: "alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
  }), (c) => c.json({ status: "ok" as const }, 200));

  app.openapi(createRoute({
    method: "get", path: "/ready", tags: ["health"], summary: "Readiness: the store (and NATS, with serve --nats) is reachable",
    responses: {
      200: {
        description: "ready", content: { "application/json": { schema: z.object({
          status: z.literal("ready"), store: z.enum(["sqlite", "postgres"]), partitions: z.number(),
          nats: z.object({ url: z.string(), stream: z.string(), status: z.literal("reachable") }).optional(),
        }) } },
      },
      ...errors(503),
    },
  }), async (c) => {
    try {
      await deps.store.versions();
    } catch (error) {
      throw new ApiError(503, "MF_ERR_API_NOT_READY", `the store does not answer: ${(error as Error).message}`);
    }
    const { nats } = deps;
    if (nats !== undefined) {
      try {
        await nats.ready();
      } catch (error) {
        throw new ApiError(503, "MF_ERR_API_NOT_READY", `NATS does not answer: ${(error as Error).message}`);
      }
    }
    return c.json({
      status: "ready" as const, store: deps.store.kind, partitions: deps.store.partitions,
      ...(nats === undefined ? {} : { nats: { url: nats.url, stream: nats.stream, status: "reachable" as const } }),
    }, 200);
  });

  app.openapi(createRoute({
    method: "get", path: "/metrics", tags: ["health"], summary: "Prometheus metrics (text exposition format), names prefixed meterflow_",
    responses: { 200: { description: "metrics", content: { "text/plain": { schema: z.string() } } }, ...errors(503) },
  }), async (c) => {
    const text = await deps.metrics.text();
    return c.text(text, 200, { "Content-Type": deps.metrics.registry.contentType });
  });
}
