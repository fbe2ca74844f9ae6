// Jobs over HTTP: an admin starts a run over files under the data directory, anyone with a token
// follows it, an admin pauses, resumes or cancels it (between two batches).
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { requireRole } from "../auth/middleware.js";
import type { ApiEnv } from "../context.js";
import { ApiError } from "../errors.js";
import type { Jobs } from "../jobs/index.js";
import { errors } from "../schemas.js";

const JobSchema = z.object({
  id: z.string(), status: z.enum(["queued", "running", "paused", "finished", "failed", "cancelled"]), by: z.string(),
  inputs: z.array(z.string()), out: z.string(), batch_size: z.number().int(), created_at: z.string(), started_at: z.string().nullable(), finished_at: z.string().nullable(),
  processed: z.number(), bytes_read: z.number(), bytes: z.number(), rate: z.number().nullable(),
  counts: z.object({ in: z.number(), billable: z.number(), held: z.number(), rejected: z.number(), duplicates: z.number() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  warnings: z.array(z.string()).openapi({ description: "what meterflow run would warn about on stderr, as they came: the rules' lint, a registry baseline that moves nothing (MF_WARN_REGISTRY_BASELINE_IGNORED), ..." }),
}).openapi("Job");

const JobBody = z.strictObject({
  inputs: z.array(z.string().min(1).max(4096)).min(1).max(1000),
  out: z.string().min(1).max(4096),
  meters: z.string().min(1).max(4096).optional(),
  batch_size: z.number().int().min(1).max(10_000_000).optional(),
  paused: z.boolean().optional(),
}).openapi("JobRequest");

const JobParams = z.strictObject({ id: z.string().regex(/^job-\d{1,9}$/).openapi({ param: { name: "id", in: "path" } }) });

export function jobRoutes(app: OpenAPIHono<ApiEnv>, jobs: Jobs): void {
  const json = { content: { "application/json": { schema: JobSchema } } };
  app.openapi(createRoute({
    method: "post", path: "/v1/jobs", tags: ["jobs"], summary: "Starts a run over files under the data directory (paths relative to it; one that leaves it is refused)",
    middleware: [requireRole("admin")] as const,
    request: { body: { required: true, content: { "application/json": { schema: JobBody } } } },
    responses: { 202: { description: "queued (or paused)", ...json }, ...errors(400, 413) },
  }), (c) => {
    const b = c.req.valid("json");
    const view = jobs.start(c.get("token").name, { inputs: b.inputs, out: b.out, meters: b.meters, batchSize: b.batch_size, paused: b.paused });
    c.header("Location", `/v1/jobs/${view.id}`);
    return c.json(view, 202);
  });

  app.openapi(createRoute({
    method: "get", path: "/v1/jobs/{id}", tags: ["jobs"], summary: "A job: status, progress (readings, bytes), rate, counts when finished",
    request: { params: JobParams },
    responses: { 200: { description: "the job", ...json }, ...errors(400, 404) },
  }), (c) => c.json(jobs.get(c.req.valid("param").id).view, 200));

  for (const action of ["cancel", "pause", "resume"] as const) {
    app.openapi(createRoute({
      method: "post", path: `/v1/jobs/{id}/${action}`, tags: ["jobs"], summary: `${action[0].toUpperCase()}${action.slice(1)}s a job (between two batches)`,
      middleware: [requireRole("admin")] as const,
      request: { params: JobParams },
      responses: { 200: { description: "the job", ...json }, ...errors(400, 404, 409) },
    }), (c) => {
      const job = jobs.get(c.req.valid("param").id);
      const { status } = job.view;
      if (status === "finished" || status === "failed" || status === "cancelled") throw new ApiError(409, "MF_ERR_API_JOB_ENDED", `job ${job.view.id} is ${status}`);
      if (action === "cancel") job.cancel();
      else if (action === "pause") job.pause();
      else job.resume();
      return c.json(job.view, 200);
    });
  }
}
