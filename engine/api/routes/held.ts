// Held readings: listed (filtered by meter and reason, paged by cursor) and released by an
// operator: the same operation as `meterflow held release`, a batch of one that bills exactly what
// was held, audited with the token's name (a reading held unknown_meter is judged anew, and may
// stay held under new reasons: `decision` says which).
import { createRoute } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { listHeld, releaseHeld } from "../../operations/index.js";
import { day } from "../../sinks/format.js";
import { requireRole } from "../auth/middleware.js";
import type { ApiDeps, ApiEnv } from "../context.js";
import { errors, HeldPageSchema, HeldQuerySchema, ReleaseBody, ReleaseParams, ReleaseResultSchema } from "../schemas.js";

export function heldRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(createRoute({
    method: "get", path: "/v1/held", tags: ["held"], summary: "Unresolved held readings, oldest first; pass next_cursor as cursor for the next page",
    request: { query: HeldQuerySchema },
    responses: { 200: { description: "a page", content: { "application/json": { schema: HeldPageSchema } } }, ...errors(400) },
  }), async (c) => {
    const q = c.req.valid("query");
    const page = await listHeld(deps.store, { meterId: q.meter_id, reason: q.reason, after: q.cursor, limit: q.limit ?? 100 });
    return c.json({
      held: page.rows.map((h) => ({
        cursor: h.id, reading_id: h.readingId, meter_id: h.meterId, end: day(h.endDay), value: h.value, reasons: h.reasons, held_at: h.heldAt, rules_version: h.rulesVersion,
      })),
      next_cursor: page.next ?? null,
    }, 200);
  });

  app.openapi(createRoute({
    method: "post", path: "/v1/held/{reading_id}/release", tags: ["held"],
    summary: "Releases a held reading: re-judged with the operator's release, billing exactly what was held",
    middleware: [requireRole("operator")] as const,
    request: { params: ReleaseParams, body: { required: true, content: { "application/json": { schema: ReleaseBody } } } },
    responses: { 200: { description: "released: billed, or (a reading held unknown_meter) held again under new reasons", content: { "application/json": { schema: ReleaseResultSchema } } }, ...errors(400, 404, 409, 413) },
  }), async (c) => {
    const { reading_id } = c.req.valid("param");
    const body = c.req.valid("json");
    const actor = c.get("token").name;
    const started = performance.now();
    const r = await deps.serialize(() => releaseHeld(deps.session, { readingId: reading_id, value: body.value, reason: body.reason, actor }));
    deps.metrics.decided("release", r.billing.length > 0 ? "billed" : "held", (performance.now() - started) / 1000);
    return c.json({ reading_id: r.readingId, meter_id: r.meterId, decision: r.decision, reasons: r.reasons, billed: r.billed, correction: r.correction, flags: r.flags, by: actor, billing: r.billing }, 200);
  });
}
