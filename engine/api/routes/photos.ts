// Manual readings with a photo (multipart: end, optional time, value, photo), decided as a batch
// of one with source `manual`; photos kept in the store content-addressed by SHA-256, so every
// API instance on the store serves them.
import { createHash } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { enterManualReading } from "../../operations/index.js";
import { parseDay } from "../../time/day.js";
import { requireRole } from "../auth/middleware.js";
import type { ApiDeps, ApiEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { photoTypeOf } from "../photo-type.js";
import { errors, MeterParams } from "../schemas.js";

/** The path of manual readings: its body limit is the photo's. */
export const READINGS_PATH = /^\/v1\/meters\/[^/]+\/readings\/?$/;

const ManualForm = z.strictObject({
  end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD").refine((s) => !Number.isNaN(parseDay(s)), "a calendar date that exists"),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, "a time HH:MM or HH:MM:SS").optional(),
  value: z.string().regex(/^\d+(\.\d+)?$/, "a number >= 0").transform(Number).refine((v) => Number.isFinite(v), "a finite number"),
  photo: z.any().optional().openapi({ type: "string", format: "binary", description: "JPEG, PNG or WebP (checked by its bytes)" }),
}).openapi("ManualReading");

const ManualResultSchema = z.object({
  reading_id: z.string(),
  meter_id: z.string(),
  end: z.string(),
  time: z.string().nullable(),
  value: z.number(),
  source: z.literal("manual"),
  decision: z.enum(["billed", "held", "rejected", "duplicate"]),
  reasons: z.string().nullable(),
  consumption: z.number().nullable(),
  resolved_temp_bad: z.boolean(),
  photo: z.object({ sha256: z.string(), media_type: z.string(), url: z.string() }).nullable(),
  by: z.string(),
  billing: z.array(z.record(z.string(), z.unknown())),
}).openapi("ManualResult");

export function photoRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(createRoute({
    method: "post", path: "/v1/meters/{id}/readings", tags: ["readings"],
    summary: "A manual reading with a photo, decided as a batch of one with source manual; says what was decided and why",
    middleware: [requireRole("operator")] as const,
    request: { params: MeterParams, body: { required: true, content: { "multipart/form-data": { schema: ManualForm } } } },
    responses: { 200: { description: "decided", content: { "application/json": { schema: ManualResultSchema } } }, ...errors(400, 404, 409, 413, 415) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const form = c.req.valid("form");
    const file = form.photo as unknown;
    // Two `photo` parts arrive as an array: one reading has one photo.
    if (Array.isArray(file)) throw new ApiError(400, "MF_ERR_API_INVALID", `one photo part per reading, got ${file.length}`);
    if (file !== undefined && !(file instanceof File)) throw new ApiError(400, "MF_ERR_API_INVALID", "photo must be a file part");
    // Stored by enterManualReading once the meter is known (an unknown meter's photo is not kept).
    let photo: { sha256: string; mediaType: string; bytes: Uint8Array } | undefined;
    if (file instanceof File) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const mediaType = photoTypeOf(bytes);
      if (mediaType === undefined) throw new ApiError(415, "MF_ERR_API_UNSUPPORTED_MEDIA", "the photo is not a JPEG, PNG or WebP (by its bytes)");
      photo = { sha256: createHash("sha256").update(bytes).digest("hex"), mediaType, bytes };
    }
    const actor = c.get("token").name;
    const started = performance.now();
    const r = await deps.serialize(() => enterManualReading(deps.session, {
      meterId: id, endDay: parseDay(form.end), value: form.value, photo, actor, review: deps.manualReview, futureDays: deps.futureDays,
    }));
    deps.metrics.decided("manual", r.decision, (performance.now() - started) / 1000);
    // Its consumption as billing.csv or held.csv gives it; none where nothing was computed (a held
    // row without a previous reading: a conflict, a baseline, an unknown meter) or nothing was kept.
    const own = r.billing.find((b) => b.reading_id === r.readingId)
      ?? r.held.find((h) => h.reading_id === r.readingId && h.previous !== null);
    return c.json({
      reading_id: r.readingId, meter_id: id, end: form.end, time: form.time ?? null, value: form.value, source: "manual" as const,
      decision: r.decision, reasons: r.reasons, consumption: own === undefined ? null : Number(own.consumption), resolved_temp_bad: r.resolvedTempBad,
      // A rejected reading answers no photo URL.
      photo: photo === undefined || r.decision === "rejected" ? null : { sha256: photo.sha256, media_type: photo.mediaType, url: `/v1/photos/${photo.sha256}` },
      by: actor, billing: r.billing,
    }, 200);
  });

  app.openapi(createRoute({
    method: "get", path: "/v1/photos/{sha256}", tags: ["readings"], summary: "A manual reading's photo, by the SHA-256 of its bytes",
    request: { params: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lower-case hex digits").openapi({ param: { name: "sha256", in: "path" } }) }) },
    responses: { 200: { description: "the photo", content: { "image/jpeg": { schema: z.string() }, "image/png": { schema: z.string() }, "image/webp": { schema: z.string() } } }, ...errors(400, 404) },
  }), async (c) => {
    const { sha256 } = c.req.valid("param");
    const photo = await deps.store.readPhoto(sha256);
    if (photo === undefined) throw new ApiError(404, "MF_ERR_API_NOT_FOUND", `no photo ${sha256}`);
    c.header("Cache-Control", "private, max-age=31536000, immutable");
    c.header("ETag", `"${sha256}"`);
    return c.body(Buffer.from(photo.bytes), 200, { "Content-Type": photo.mediaType });
  });
}
