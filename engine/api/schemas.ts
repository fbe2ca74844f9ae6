// Request and response schemas of the control API (zod), shared by validation and /openapi.json.
// Request schemas are strict: a field the route does not know is a 400, not silently dropped.
import { z } from "@hono/zod-openapi";
import { parseDay } from "../time/day.js";

export const ErrorSchema = z.object({
  code: z.string().openapi({ example: "MF_ERR_API_UNAUTHORIZED" }),
  message: z.string(),
  issues: z.array(z.unknown()).optional(),
}).openapi("Error");

/** The error answers a route can give, by status (every route: 400 for a query parameter it does not take, 401, 403, 429). */
export function errors(...statuses: number[]): Record<number, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }> {
  const said: Record<number, string> = {
    400: "invalid request: an unknown, missing or malformed field or query parameter (MF_ERR_API_INVALID, MF_ERR_REASON_REQUIRED)",
    401: "no token, or a wrong one (MF_ERR_API_UNAUTHORIZED)", 403: "role too low (MF_ERR_API_FORBIDDEN)",
    404: "not found (MF_ERR_UNKNOWN_METER for a meter, MF_ERR_HELD_NOT_FOUND, MF_ERR_API_NOT_FOUND)", 409: "conflict with the meter's state",
    412: "If-Match names another version (MF_ERR_STORE_VERSION)", 413: "body too large (MF_ERR_API_BODY_TOO_LARGE)",
    415: "a body of another media type than the route takes, or a photo that is not a JPEG, PNG or WebP (MF_ERR_API_UNSUPPORTED_MEDIA)",
    429: "too many failed authentications (MF_ERR_API_RATE_LIMITED)", 503: "store unreachable",
  };
  return Object.fromEntries([400, 401, 403, 429, ...statuses].map((s) => [s, { description: said[s] ?? "error", content: { "application/json": { schema: ErrorSchema } } }]));
}

export const MeterParams = z.strictObject({
  id: z.string().min(1).max(256).openapi({ param: { name: "id", in: "path" }, example: "E-000001" }),
});

export const IfMatchHeader = z.object({
  "if-match": z.string().optional().openapi({ param: { name: "if-match", in: "header" }, description: "the meter's version as its ETag gives it, e.g. \"17\" (compared strongly; a list matches when any of its tags does; *)" }),
});

export const FlagSchema = z.object({ reason: z.string(), note: z.string(), by: z.string(), since: z.string() }).openapi("TempBad");

export const ReadingSchema = z.object({
  reading_id: z.string(),
  end: z.string(),
  value: z.number(),
  decision: z.enum(["billed", "held"]),
  consumption: z.number().nullable(),
  billed: z.number(),
  flags: z.string(),
  reasons: z.string().nullable(),
  rules_version: z.string().nullable(),
}).openapi("Reading");

export const MeterSchema = z.object({
  meter_id: z.string(),
  registry: z.record(z.string(), z.unknown()),
  state: z.object({
    last_end: z.string().nullable(),
    last_value: z.number().nullable(),
    readings: z.number(),
    average_daily: z.number().nullable(),
    held_readings: z.number(),
  }).nullable(),
  temp_bad: FlagSchema.nullable(),
  version: z.number().int(),
  readings: z.array(ReadingSchema),
}).openapi("Meter");

export const AuditSchema = z.object({
  meter_id: z.string(),
  version: z.number().int(),
  audit: z.array(z.object({ action: z.string(), reason: z.string(), by: z.string(), at: z.string() })),
}).openapi("Audit");

export const SetTempBadBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
  note: z.string().max(4000).optional(),
}).openapi("SetTempBad");

export const ClearTempBadBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
}).openapi("ClearTempBad");

export const TempBadResult = z.object({
  meter_id: z.string(),
  temp_bad: FlagSchema.nullable(),
  version: z.number().int(),
}).openapi("TempBadResult");

export const HeldQuerySchema = z.strictObject({
  meter_id: z.string().min(1).optional(),
  reason: z.string().min(1).optional(),
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const HeldSchema = z.object({
  cursor: z.number().int(),
  reading_id: z.string(),
  meter_id: z.string(),
  end: z.string(),
  value: z.number(),
  reasons: z.string(),
  held_at: z.string(),
  rules_version: z.string().nullable(),
}).openapi("Held");

export const HeldPageSchema = z.object({ held: z.array(HeldSchema), next_cursor: z.number().int().nullable() }).openapi("HeldPage");

/** A reading id as held.csv's `reading_id` writes it: the meter id, `@`, the end day (a calendar date). */
const READING_ID = /^.+@(\d{4}-\d{2}-\d{2})$/s;
const isReadingId = (s: string) => {
  const m = READING_ID.exec(s);
  return m !== null && !Number.isNaN(parseDay(m[1]));
};

export const ReleaseParams = z.strictObject({
  reading_id: z.string().min(1).max(300)
    .refine(isReadingId, "a reading id is METER_ID@YYYY-MM-DD, the meter id, @ and the reading's end day (a calendar date that exists), as held.csv's reading_id and GET /v1/held give it: E-000001@2026-11-10")
    .openapi({ param: { name: "reading_id", in: "path" }, example: "E-000001@2026-11-10" }),
});

export const ReleaseBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000),
  value: z.number().optional(),
}).openapi("Release");

export const ReleaseResultSchema = z.object({
  reading_id: z.string(),
  meter_id: z.string(),
  decision: z.enum(["billed", "held"]).openapi({
    description: "billed: in the billing chain (billing what it adds; nothing as its meter's baseline). held: a reading held unknown_meter, back_dated_pulses, before_baseline or unknown_meter_type (holds made before the rules, or its type's, judged it), judged now, held again for `reasons`, nothing billed",
  }),
  reasons: z.string().openapi({ description: "its new hold reasons, |-separated as in held.csv (temp_bad:bounce); empty when billed" }),
  billed: z.number(),
  correction: z.number(),
  flags: z.string(),
  by: z.string(),
  billing: z.array(z.record(z.string(), z.unknown())),
}).openapi("ReleaseResult");
